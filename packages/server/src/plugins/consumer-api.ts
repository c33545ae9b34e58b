import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  buildOpenApi,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  type OperationDef,
  SYNC_UNTIL_HEADER,
} from '@finum-sync/spec';
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import { type Handlers, registerOperations } from '../routes/handlers.js';
import type { FailureLimiter } from '../web/address-limiter.js';
import { routePath } from './api-surface.js';
import { consumerAuthHook } from './consumer-auth.js';
import { registerConsumerUsage, type UsageCounter } from './consumer-usage.js';
import type { Metrics } from './metrics.js';
import { docsUiOptions, withViewport } from './pages.js';
import { notFound } from './problems.js';
import type { RateLimiter } from './rate-limiter.js';
import { specValidatorCompiler } from './spec-validator.js';

export interface ConsumerApiOptions {
  /** The operations under `/v1/` (all need a consumer's token) and their handlers. */
  handlers: Handlers;
  operations: readonly OperationDef[];
  authenticator: Authenticator;
  /** `RATE_LIMIT` per consumer; `undefined` when off. */
  limiter: RateLimiter | undefined;
  metrics: Metrics;
  failures: FailureLimiter | undefined;
  usage: UsageCounter;
  /** `CORS_ORIGINS`: the browser origins that may call /v1 (`*`: any); none when empty. */
  corsOrigins: readonly string[];
}

/** The HTML page of the interactive docs (Swagger UI's index) under the plugin's prefix. */
const docsIndex = (prefix: string) => new RegExp(`^${prefix}/docs/?(?:index\\.html)?(?:\\?|$)`);

/**
 * The consumer API, registered with `{ prefix: '/v1' }`: its documents and interactive docs
 * (public), CORS for the configured origins and `Cache-Control: no-store` on every answer
 * but the docs' (unknown /v1 paths too: its own not-found handler), and — in a context of
 * their own — the operations behind the consumer's bearer token: authentication, the
 * per-consumer rate limit and the usage counts run for them and nothing else.
 */
export async function consumerApi(v1: FastifyInstance, options: ConsumerApiOptions): Promise<void> {
  const under = `${v1.prefix}/`;
  const docs = `${v1.prefix}/docs`;
  const docsPage = docsIndex(v1.prefix);
  if (options.corsOrigins.length > 0) await v1.register(cors, { delegator: corsDelegator(options.corsOrigins, under) });
  v1.addHook('onSend', (request, reply, payload, done) => {
    if (typeof payload === 'string' && docsPage.test(request.url)) payload = withViewport(payload);
    const path = routePath(request);
    if (path.startsWith(under) && !path.startsWith(docs) && !reply.hasHeader('Cache-Control')) {
      // Consumers' data: never stored by shared caches or the browser.
      reply.header('Cache-Control', 'no-store');
    }
    done(null, payload);
  });
  v1.setNotFoundHandler(notFound);
  // Query strings and bodies parsed by the spec's own parsers before a handler runs.
  v1.setValidatorCompiler(specValidatorCompiler);
  await registerDocs(v1);

  await v1.register(async (authenticated) => {
    authenticated.addHook(
      'onRequest',
      consumerAuthHook(options.authenticator, options.limiter, options.metrics, options.failures),
    );
    registerConsumerUsage(authenticated, options.usage);
    registerOperations(authenticated, options.handlers, options.operations);
  });
}

/**
 * CORS for `/v1/…` (the documents and docs included); a path outside it that reaches this
 * plugin (`/v1`, a preflight of `/v1…`) is shared with no origin, as before the surfaces
 * had plugins of their own.
 */
function corsDelegator(origins: readonly string[], under: string) {
  const v1 = {
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET', 'POST', 'PATCH'],
    allowedHeaders: ['Authorization', 'Content-Type', IDEMPOTENCY_KEY_HEADER, 'If-None-Match', 'Range', 'X-Request-Id'],
    exposedHeaders: [
      SYNC_UNTIL_HEADER,
      'X-Request-Id',
      'ETag',
      'Content-Disposition',
      'Retry-After',
      IDEMPOTENT_REPLAYED_HEADER,
    ],
    maxAge: 600,
  };
  return (request: { url?: string }, callback: (error: Error | null, options: object) => void) =>
    callback(null, request.url?.startsWith(under) ? v1 : { origin: false });
}

/** The OpenAPI document (/v1/openapi.json) and the interactive docs (/v1/docs). */
async function registerDocs(v1: FastifyInstance) {
  const document = buildOpenApi();
  await v1.register(swagger, { mode: 'static', specification: { document: document as never } });
  await v1.register(swaggerUi, {
    routePrefix: '/docs',
    // The index page's links without a trailing slash are absolute: with this plugin's prefix.
    indexPrefix: v1.prefix,
    ...docsUiOptions(),
    uiConfig: {
      persistAuthorization: true,
      docExpansion: 'list',
      deepLinking: true,
      displayRequestDuration: true,
      layout: 'BaseLayout',
    },
  });
  const documentText = JSON.stringify(document);
  v1.get('/openapi.json', (_request, reply) => reply.type('application/json; charset=utf-8').send(documentText));
}
