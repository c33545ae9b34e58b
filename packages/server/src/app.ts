import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import multipart from '@fastify/multipart';
import { operations, ProblemError, problem, TOKEN_RULES } from '@finum-sync/spec';
import { ADMIN_OPERATIONS, buildAdminOpenApi } from '@finum-sync/spec/admin';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { adminConsoleHandlers } from './admin/console.js';
import { AdminSessions } from './admin/sessions.js';
import { Authenticator } from './auth/authenticator.js';
import { DeliveryWorker } from './callbacks/delivery-worker.js';
import type { Config } from './config.js';
import { auditView } from './core/audit.js';
import { type CoreContext, coreContext } from './core/context.js';
import { jsonValueProblem, MAX_JSON_DEPTH, nulRefused } from './core/json-values.js';
import { demoCredentials } from './demo/credentials.js';
import { DemoSimulator } from './demo/simulator.js';
import { Maintenance } from './maintenance.js';
import { onboardingHandlers } from './onboarding/routes.js';
import { backOfficeApi } from './plugins/back-office-api.js';
import { consumerApi } from './plugins/consumer-api.js';
import { UsageCounter } from './plugins/consumer-usage.js';
import { Metrics, registerMetrics } from './plugins/metrics.js';
import { onboardingApi } from './plugins/onboarding-api.js';
import { PAGE_CSP, pages } from './plugins/pages.js';
import { clientErrorHandler, registerProblemHandling, routerErrorHandler, sendProblem } from './plugins/problems.js';
import { RateLimiter } from './plugins/rate-limiter.js';
import { SURFACE_PREFIXES } from './plugins/surfaces.js';
import { adminHandlers, IMPORT_BODY_LIMIT } from './routes/admin.js';
import { type ApiHandlers, type HandlersFor, registerOperations, shareOf } from './routes/handlers.js';
import { parseQueryString } from './routes/query-string.js';
import { readHandlers } from './routes/read.js';
import { writeHandlers } from './routes/write.js';
import type { Store, StoreLifecycle } from './store/port.js';
import { failureLimiter } from './web/address-limiter.js';

/** JSON bodies: SPEC §7. */
export const JSON_BODY_LIMIT = 1024 * 1024;
/** Request line plus headers: SPEC §6 asks for request lines up to 64 KiB. */
export const MAX_HEADER_SIZE = 80 * 1024;
/** Idle keep-alive connections are closed after this long. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Token clock skew tolerance (SPEC §3). */
export const CLOCK_SKEW_S = TOKEN_RULES.clockSkewS;

export interface AppDeps {
  config: Config;
  store: Store;
  /** Pino options or an instance; `false` for none. Defaults to JSON logs at `config.logLevel`. */
  logger?: FastifyServerOptions['logger'];
  clock?: () => number;
  /** Run the callback delivery worker and (with DEMO=on) the demo simulator; default true. */
  background?: boolean;
}

/** A proxy's request id is kept when it is a sane token; otherwise we make one. */
const requestId = (req: { headers: Record<string, string | string[] | undefined> }) => {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
};

/** Log lines carry no token, no query string (ids, external ids) and no body. */
const requestSerializer = (req: { method: string; url: string; id: string }) => ({
  method: req.method,
  path: req.url.split('?')[0],
  requestId: req.id,
});

/**
 * Human-readable lines on a terminal (pino-pretty, in pino's worker thread), one JSON object
 * a line otherwise (for log collectors): `LOG_FORMAT` overrides the guess.
 */
function logTransport(format: Config['logFormat']) {
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  if (!pretty) return {};
  return {
    transport: {
      target: createRequire(import.meta.url).resolve('pino-pretty'),
      options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true },
    },
  };
}

/** Builds the provider server (routes, auth, docs) without listening. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, store } = deps;
  const clock = deps.clock ?? Date.now;
  const app = Fastify({
    logger: deps.logger ?? {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      serializers: { req: requestSerializer },
      ...logTransport(config.logFormat),
    },
    http: {
      maxHeaderSize: MAX_HEADER_SIZE,
      // SPEC §7: the request line and headers, like the body, within REQUEST_TIMEOUT; Node
      // looks for late requests every `connectionsCheckingInterval`, so a stalled one is
      // closed at most a quarter of the timeout late.
      headersTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(config.requestTimeoutMs / 4))),
    },
    // The whole request (body included) within REQUEST_TIMEOUT (Fastify's default: none).
    requestTimeout: config.requestTimeoutMs,
    // An idle keep-alive connection is closed after this; above the 60 s idle timeout of
    // common proxies and load balancers, so that they never reuse a connection we closed.
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // A socket without any traffic for this long (a client that stopped reading a response) is destroyed.
    connectionTimeout: Math.max(2 * config.requestTimeoutMs, KEEP_ALIVE_TIMEOUT_MS + 1000),
    bodyLimit: JSON_BODY_LIMIT,
    // TRUST_PROXY hops: the socket's peer and the next addresses of X-Forwarded-For, counted
    // from the right, are proxies; the address before them is the client's.
    ...(config.trustProxy === false
      ? {}
      : { trustProxy: (_address: string, hop: number) => hop < (config.trustProxy as number) }),
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, querystringParser: parseQueryString },
    requestIdHeader: false,
    genReqId: requestId,
    clientErrorHandler,
    frameworkErrors: routerErrorHandler,
    // Our own 503 while closing (below): problem+json, like every error.
    return503OnClosing: false,
  });

  // Past MAX_CONNECTIONS, Node closes a new connection as soon as it is accepted.
  app.server.maxConnections = config.maxConnections;
  registerProblemHandling(app, { maxBody: JSON_BODY_LIMIT, maxFileSize: config.maxFileSize });
  await registerHttpConventions(app, config);

  const authenticator = new Authenticator(
    store,
    { audience: config.publicUrl, maxLifetimeS: config.maxTokenLifetimeS, skewS: CLOCK_SKEW_S },
    clock,
  );
  // On PostgreSQL several processes share one budget per consumer.
  const limiter =
    config.rateLimit > 0
      ? new RateLimiter(config.rateLimit, {
          clock,
          ...(store.dialect === 'postgres'
            ? { shared: store, onSyncError: (e: unknown) => app.log.warn({ err: e }, 'rate limit sync failed') }
            : {}),
        })
      : undefined;
  app.addHook('onClose', async () => limiter?.stop());
  const metrics = new Metrics(store);
  registerMetrics(app, metrics);
  const failures = failureLimiter(config.authFailureLimit, store);
  const sessions = new AdminSessions(store, { secure: config.publicUrl.startsWith('https:') }, clock);

  const ctx = coreContext(store, config);
  // The audit trail, logged: one line per administrative action, once it has committed.
  const auditLog = app.log.child({ component: 'audit' });
  const stopAuditLog = store.onAudit((entry) => auditLog.info({ audit: auditView(entry) }, `audit: ${entry.action}`));
  app.addHook('onClose', async () => stopAuditLog());

  // One plugin per surface, each with its own hooks: /v1, /admin/api, /onboarding/api, the pages.
  const api: ApiHandlers = {
    ...readHandlers(store),
    ...writeHandlers(ctx, clock, store),
    ...publicHandlers(config, store),
  };
  const apiOperations = Object.values(operations);
  const underV1 = (op: { path: string }) => op.path.startsWith(`${SURFACE_PREFIXES.consumer}/`);
  const v1 = shareOf(api, apiOperations, underV1);
  await app.register(consumerApi, {
    prefix: SURFACE_PREFIXES.consumer,
    ...v1,
    authenticator,
    limiter,
    metrics,
    failures,
    usage: new UsageCounter(store, { flushMs: config.usageFlushMs, log: app.log.child({ component: 'usage' }) }),
    corsOrigins: config.corsOrigins,
  });
  // Liveness, readiness and the demo's credentials: public, outside every surface.
  const probes = shareOf(api, apiOperations, (op) => !underV1(op));
  registerOperations(app, probes.handlers, probes.operations);

  const onboarding = {
    store,
    publicUrl: config.publicUrl,
    checkCallbackUrl: ctx.checkCallbackUrl,
    events: ctx.events,
    providerWebhookUrls: ctx.providerWebhookUrls,
  };
  await app.register(onboardingApi, {
    prefix: SURFACE_PREFIXES.onboarding,
    handlers: onboardingHandlers(onboarding, config),
  });
  await app.register(backOfficeApi, {
    prefix: SURFACE_PREFIXES.backOffice,
    handlers: { ...adminHandlers(ctx, config, store), ...adminConsoleHandlers(onboarding, config, sessions) },
    operations: ADMIN_OPERATIONS,
    adminToken: config.adminToken,
    sessions,
    failures,
  });
  await app.register(pages, { adminToken: config.adminToken });
  const adminDocumentText = JSON.stringify(buildAdminOpenApi());
  app.get('/admin/openapi.json', (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(adminDocumentText),
  );

  if (deps.background ?? true) runBackgroundWork(app, { store, ctx, config, clock, metrics });
  return app;
}

/**
 * What every response shares: a 503 while closing, the body parsers (no text bodies, a
 * nesting limit for JSON, NDJSON streams, multipart uploads) and the security headers.
 */
async function registerHttpConventions(app: FastifyInstance, config: Config) {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // The hooks every request runs are callback hooks, not async ones: no promise and no turn
  // of the microtask queue per hook, and a reply sent at once (BENCHMARKS.md, "one edge").
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    reply.header('Connection', 'close');
    sendProblem(reply, problem('unavailable', 'The server is shutting down; retry on another.'), {
      'Retry-After': '1',
    });
  });
  // No endpoint takes text: a text/plain body is an unsupported media type (415), not a JSON string.
  app.removeContentTypeParser('text/plain');
  // JSON is UTF-8 (SPEC §2): bytes that are not are a 400, not characters replaced by U+FFFD.
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if (!isUtf8(body as Buffer)) {
      return done(new ProblemError('malformed-json', 'The body is not valid UTF-8; JSON is sent in UTF-8.'), undefined);
    }
    return parseJson(request, (body as Buffer).toString('utf8'), done);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    const body = request.body;
    const parsedJson =
      typeof body === 'object' &&
      body !== null &&
      (Array.isArray(body) || Object.getPrototypeOf(body) === Object.prototype);
    const found = parsedJson ? jsonValueProblem(body, MAX_JSON_DEPTH) : undefined;
    if (found?.kind === 'depth') {
      return done(
        new ProblemError('invalid-body', `The body nests deeper than ${MAX_JSON_DEPTH} levels; records are flat.`, {
          errors: [{ field: '', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }],
        }),
      );
    }
    done(found?.kind === 'nul' ? nulRefused(found.field, 'invalid-body') : undefined);
  });
  // A NUL character in the query (e.g. `external-id=%00`) is refused on both dialects alike.
  app.addHook('preValidation', (request, _reply, done) => {
    const query: unknown = request.query;
    for (const [name, value] of typeof query === 'object' && query !== null ? Object.entries(query) : []) {
      const values = Array.isArray(value) ? value : [value];
      if (name.includes('\u0000') || values.some((v) => typeof v === 'string' && v.includes('\u0000'))) {
        return done(nulRefused(name.replace(/\u0000/g, '\\u0000'), 'invalid-parameter'));
      }
    }
    done();
  });
  // NDJSON (the back office's import) arrives as a stream; the import reads it twice (validate, then apply).
  app.addContentTypeParser('application/x-ndjson', { bodyLimit: IMPORT_BODY_LIMIT }, (_request, payload, done) =>
    done(null, payload),
  );
  await app.register(multipart, {
    limits: { fileSize: config.maxFileSize, files: 1, fields: 10, fieldSize: 4096, parts: 12 },
  });

  const https = config.publicUrl.startsWith('https:');
  app.addHook('onSend', (request, reply, payload, done) => {
    // Shutting down: a connection kept alive would hold the close until its timeout.
    if (closing) reply.header('Connection', 'close');
    reply.header('X-Request-Id', request.id);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    if (https) reply.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    // Our pages: scripts and styles from our origin only, never framed; Swagger UI sets
    // its own policy (DOCS_CSP) in its hook, which runs after this one.
    if (!reply.hasHeader('Content-Security-Policy')) reply.header('Content-Security-Policy', PAGE_CSP);
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    done(null, payload);
  });
}

/**
 * The callback delivery worker, the demo simulator (DEMO=on) and maintenance: started when
 * the server is ready, stopped before the database closes.
 */
function runBackgroundWork(
  app: FastifyInstance,
  {
    store,
    ctx,
    config,
    clock,
    metrics,
  }: { store: Store; ctx: CoreContext; config: Config; clock: () => number; metrics: Metrics },
) {
  const policy = { allowPrivate: config.allowPrivateCallbacks };
  const worker = new DeliveryWorker({
    store,
    events: ctx.events,
    policy,
    provider: {
      secret: config.providerWebhookSecret,
      policy: { ...policy, allowHosts: new Set(config.providerWebhookAllowHosts) },
    },
    log: app.log.child({ component: 'callbacks' }),
    clock,
    retryBaseMs: config.callbackRetryBaseMs,
    onAttempt: (outcome) => metrics.callbackAttempts.inc({ outcome }),
  });
  const simulator = config.demo
    ? new DemoSimulator(ctx, { delayMs: config.demoDelayMs, log: app.log.child({ component: 'demo' }), clock })
    : undefined;
  const maintenance = new Maintenance(store, {
    deliveryRetentionDays: config.deliveryRetentionDays,
    log: app.log.child({ component: 'maintenance' }),
    clock,
  });
  app.addHook('onReady', async () => {
    worker.start();
    simulator?.start();
    maintenance.start();
  });
  // Graceful shutdown: attempts under way finish before the database closes.
  app.addHook('preClose', async () => {
    maintenance.stop();
    await simulator?.stop();
    await worker.stop();
  });
}

/** The endpoints without authentication: demo credentials, liveness and readiness. */
function publicHandlers(config: Config, store: StoreLifecycle): HandlersFor<'demoCredentials' | 'healthz' | 'readyz'> {
  return {
    demoCredentials: async (_request, reply) => {
      if (!config.demo) return sendProblem(reply, problem('not-found', 'The demo is off on this provider (DEMO=off).'));
      return reply.send(demoCredentials(config.publicUrl));
    },
    healthz: async (_request, reply) => reply.send({ status: 'ok' }),
    readyz: async (request, reply) => {
      try {
        await Promise.race([
          store.ping(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 3 s')), 3_000).unref()),
        ]);
        return reply.send({ status: 'ready' });
      } catch (error) {
        request.log.warn({ err: error }, 'database not reachable');
        return sendProblem(reply, problem('unavailable', 'The database does not answer.'), { 'Retry-After': '5' });
      }
    },
  };
}
