import { ProblemError } from '@finum-sync/spec';
import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
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
  interface FastifyContextConfig {
    /** `consumer`: needs a consumer's bearer token (SPEC §3); `admin`: the provider's ADMIN_TOKEN. */
    security?: 'consumer' | 'public' | 'admin';
  }
}

const quote = (s: string) => s.replace(/["\\]/g, "'");

function unauthorized(detail: string, withError = true): ProblemError {
  const challenge = withError
    ? `Bearer realm="finum-sync", error="invalid_token", error_description="${quote(detail)}"`
    : 'Bearer realm="finum-sync"';
  return new ProblemError('unauthorized', detail, { headers: { 'WWW-Authenticate': challenge } });
}

/** The onRequest hook of every route that needs a consumer: authenticate, then count the request. */
export function consumerAuthHook(authenticator: Authenticator, limiter: RateLimiter | undefined, metrics: Metrics) {
  return async (request: FastifyRequest) => {
    if (request.routeOptions.config.security !== 'consumer') return;
    const header = request.headers.authorization;
    if (!header) {
      metrics.authFailures.inc({ reason: 'missing-header' });
      throw unauthorized("Authorization header missing: send 'Authorization: Bearer <JWT>'.", false);
    }
    const m = /^Bearer +([^ ]+) *$/i.exec(header);
    if (!m) {
      metrics.authFailures.inc({ reason: 'malformed-header' });
      throw unauthorized("The Authorization header must be 'Bearer <JWT>'.");
    }
    const result = await authenticator.authenticate(m[1]!);
    if (!result.ok) {
      metrics.authFailures.inc({ reason: result.code });
      request.log.info({ authFailure: result.code }, 'authentication failed');
      throw unauthorized(result.reason);
    }
    const { consumerId, claims } = result.token;
    if (limiter) await limiter.take(consumerId);
    request.consumer = { id: consumerId, tokenExpiresAtMs: claims.exp * 1000 };
    // The request's own logger (no new child per request: this runs on every call).
    (request.log as { setBindings?: (bindings: object) => void }).setBindings?.({ consumer: consumerId });
  };
}
