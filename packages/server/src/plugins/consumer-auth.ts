import { ProblemError } from '@finum-sync/spec';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import { KEY_RING_FAILURES, type TokenResult } from '../auth/verify-consumer-token.js';
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
 *
 * A callback hook, not an async one: a token verified before is authenticated without a
 * promise (see `Authenticator.authenticate`), and the request goes on to its handler in the
 * same turn — the path every request of a consumer takes, measured in BENCHMARKS.md.
 */
export function consumerAuthHook(
  authenticator: Authenticator,
  limiter: RateLimiter | undefined,
  metrics: Metrics,
  failures?: FailureLimiter,
): onRequestHookHandler {
  const admit = (request: FastifyRequest, result: TokenResult) => {
    if (!result.ok) {
      metrics.authFailures.inc({ reason: result.code });
      failures?.failed(request);
      request.log.info({ authFailure: result.code, reason: result.reason }, 'authentication failed');
      throw unauthorized(KEY_RING_FAILURES.has(result.code) ? UNDISCLOSED_DETAIL : result.reason);
    }
    const { consumerId, claims } = result.token;
    limiter?.take(consumerId);
    request.consumer = { id: consumerId, tokenExpiresAtMs: claims.exp * 1000 };
    // The request's own logger (no new child per request: this runs on every call).
    (request.log as { setBindings?: (bindings: object) => void }).setBindings?.({ consumer: consumerId });
  };
  return (request, _reply, done) => {
    /** Admits the request or refuses it (401, 429): `done` called once, either way. */
    const finish = (result: TokenResult) => {
      let refusal: Error | undefined;
      try {
        admit(request, result);
      } catch (error) {
        refusal = error as Error;
      }
      done(refusal);
    };
    let result: TokenResult | Promise<TokenResult>;
    try {
      result = authenticator.authenticate(bearerToken(request, metrics, failures), request.raw.socket);
    } catch (error) {
      return done(error as Error);
    }
    if (result instanceof Promise) result.then(finish, done);
    else finish(result);
  };
}

/** The bearer token of the Authorization header; a 401 problem when it has none. */
function bearerToken(request: FastifyRequest, metrics: Metrics, failures: FailureLimiter | undefined): string {
  const header = request.headers.authorization;
  if (!header) {
    metrics.authFailures.inc({ reason: 'missing-header' });
    throw unauthorized("Authorization header missing: send 'Authorization: Bearer <JWT>'.", false);
  }
  failures?.check(request);
  // What clients send, read without a regular expression: "Bearer " and a token without spaces.
  if (header.startsWith('Bearer ') && header.length > 7 && header.indexOf(' ', 7) === -1) return header.slice(7);
  const m = /^Bearer +([^ ]+) *$/i.exec(header);
  if (!m) {
    metrics.authFailures.inc({ reason: 'malformed-header' });
    failures?.failed(request);
    throw unauthorized("The Authorization header must be 'Bearer <JWT>'.");
  }
  return m[1]!;
}
