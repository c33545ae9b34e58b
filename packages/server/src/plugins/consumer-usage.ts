import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ConsumerStore, ConsumerUsage } from '../store/port.js';

/**
 * Counts each consumer's requests and error answers (status 400 or more) in memory and adds
 * them to the database every `flushMs` and at shutdown — one write per interval, not one per
 * request, so the authenticated path costs a map update. The back office shows the sums over
 * every process. A flush that fails keeps its counts for the next one.
 */
export class UsageCounter {
  private counts = new Map<string, { requests: number; errors: number; lastSeenMs: number }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ConsumerStore,
    private readonly options: { flushMs: number; log: FastifyBaseLogger },
  ) {}

  record(consumerId: string, status: number, nowMs: number): void {
    let count = this.counts.get(consumerId);
    if (!count) {
      count = { requests: 0, errors: 0, lastSeenMs: nowMs };
      this.counts.set(consumerId, count);
    }
    count.requests++;
    if (status >= 400) count.errors++;
    count.lastSeenMs = nowMs;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushMs);
    this.timer.unref();
  }

  /** Adds the counts since the last flush to the database (one flush at a time). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.counts.size === 0) return;
      const taken = this.counts;
      this.counts = new Map();
      const rows: ConsumerUsage[] = [...taken].map(([consumerId, c]) => ({ consumerId, ...c }));
      try {
        await this.store.addConsumerUsage(rows);
      } catch (error) {
        this.options.log.warn({ err: error }, 'consumer usage not saved; kept for the next flush');
        for (const row of rows) {
          const later = this.counts.get(row.consumerId);
          this.counts.set(row.consumerId, {
            requests: row.requests + (later?.requests ?? 0),
            errors: row.errors + (later?.errors ?? 0),
            lastSeenMs: later?.lastSeenMs ?? row.lastSeenMs,
          });
        }
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

/** Counts every answer to an authenticated consumer; flushes at close, before the store closes. */
export function registerConsumerUsage(app: FastifyInstance, counter: UsageCounter): void {
  app.addHook('onResponse', (request, reply, done) => {
    if (request.consumer) counter.record(request.consumer.id, reply.statusCode, Date.now());
    done();
  });
  counter.start();
  app.addHook('onClose', async () => counter.stop());
}
