import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { OutboxStore } from '../store/port.js';

/**
 * Prometheus metrics (`GET /metrics`): requests by route and status, latency, auth
 * failures by rule, callback attempts by outcome, the callback queue, and the process's
 * own (memory, event loop, GC). One registry per app, so tests can run several.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly authFailures: Counter<'reason'>;
  readonly callbackAttempts: Counter<'outcome'>;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route'>;

  constructor(store: OutboxStore) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'finum_' });
    this.requests = new Counter({
      name: 'finum_http_requests_total',
      help: 'HTTP requests by route template, method and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'finum_http_request_duration_seconds',
      help: 'HTTP request latency by route template.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.authFailures = new Counter({
      name: 'finum_auth_failures_total',
      help: 'Refused consumer tokens by the rule they broke.',
      labelNames: ['reason'],
      registers,
    });
    this.callbackAttempts = new Counter({
      name: 'finum_callback_attempts_total',
      help: 'Callback delivery attempts by outcome (delivered, pending = will retry, gone, failed = gave up).',
      labelNames: ['outcome'],
      registers,
    });
    new Gauge({
      name: 'finum_callback_queue',
      help: 'Callback deliveries by state: pending (queue depth) and failed (gave up after 3 days).',
      labelNames: ['state'],
      registers,
      async collect() {
        const q = await store.deliveryQueue();
        this.set({ state: 'pending' }, q.pending);
        this.set({ state: 'failed' }, q.failed);
      },
    });
    new Gauge({
      name: 'finum_callback_oldest_due_seconds',
      help: 'How long the most overdue pending delivery has been due (0 when none is).',
      registers,
      async collect() {
        const q = await store.deliveryQueue();
        this.set(q.nextDueMs === null ? 0 : Math.max(0, (Date.now() - q.nextDueMs) / 1000));
      },
    });
  }
}

export function registerMetrics(app: FastifyInstance, metrics: Metrics) {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route !== '/metrics') {
      metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    }
    done();
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
