import { ProblemError } from '@finum-sync/spec';
import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import { KEY_RING_FAILURES } from '../auth/verify-consumer-token.js';
import type { FailureLimiter } from '../web/address-limiter.js';
import type { Metrics } from './metrics.js';
import type { RateLimiter } from './rate-limiter.js';

export interface AuthenticatedConsumer {
  readonly id: string;
  readonly tokenExpiresAtMs: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    consumer: AuthenticatedConsumer;
  }
}

const quote = (s: string) => s.replace(/["\\]/g, "'");

function unauthorized(detail: string, withError = true): ProblemError {
  const challenge = withError
    ? `Bearer realm="finum-sync", error="invalid_token", error_description="${quote(detail)}"`
    : 'Bearer realm="finum-sync"';
  return new ProblemError('unauthorized', detail, { headers: { 'WWW-Authenticate': challenge } });
}

const UNDISCLOSED_DETAIL =
  "Unknown consumer or bad signature: 'sub' must be a registered, active consumer and the token signed with one of its registered keys (by 'kid', with the key's algorithm).";

/**
 * The onRequest hook of the consumer API's operations (registered in their context by
 * `consumerApi`, so it runs for them only): refuse an address that failed too often,
 * authenticate (counting a failure), then count the request against `RATE_LIMIT`.
 */
export function consumerAuthHook(
  authenticator: Authenticator,
  limiter: RateLimiter | undefined,
  metrics: Metrics,
  failures?: FailureLimiter,
) {
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (!header) {
      metrics.authFailures.inc({ reason: 'missing-header' });
      throw unauthorized("Authorization header missing: send 'Authorization: Bearer <JWT>'.", false);
    }
    failures?.check(request);
    const m = /^Bearer +([^ ]+) *$/i.exec(header);
    if (!m) {
      metrics.authFailures.inc({ reason: 'malformed-header' });
      failures?.failed(request);
      throw unauthorized("The Authorization header must be 'Bearer <JWT>'.");
    }
    const result = await authenticator.authenticate(m[1]!);
    if (!result.ok) {
      metrics.authFailures.inc({ reason: result.code });
      failures?.failed(request);
      request.log.info({ authFailure: result.code, reason: result.reason }, 'authentication failed');
      throw unauthorized(KEY_RING_FAILURES.has(result.code) ? UNDISCLOSED_DETAIL : result.reason);
    }
    const { consumerId, claims } = result.token;
    if (limiter) await limiter.take(consumerId);
    request.consumer = { id: consumerId, tokenExpiresAtMs: claims.exp * 1000 };
    // The request's own logger (no new child per request: this runs on every call).
    (request.log as { setBindings?: (bindings: object) => void }).setBindings?.({ consumer: consumerId });
  };
}
