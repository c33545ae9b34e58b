import type { FastifyRequest } from 'fastify';
import { RateLimiter } from '../plugins/rate-limiter.js';
import type { RateCountStore, StoreDialect } from '../store/port.js';

/**
 * A budget per client address (`request.ip`; behind proxies, with `TRUST_PROXY` = their
 * number, the address the first of them saw) for the public forms: onboarding submissions, admin sign-in. `0`: none.
 * On PostgreSQL every server process counts against the same budget.
 */
export function addressLimiter(perMinute: number, scope: string, store: StoreDialect & RateCountStore) {
  const limiter =
    perMinute > 0
      ? new RateLimiter(perMinute, {
          what: `${scope} requests from one address`,
          ...(store.dialect === 'postgres' ? { shared: store } : {}),
        })
      : undefined;
  return async (request: FastifyRequest) => {
    limiter?.take(`${scope}:${request.ip}`);
  };
}

/** Failed authentications per client address: checked before a credential is looked at, counted when it fails. */
export interface FailureLimiter {
  /** Throws the 429 when the address failed too often within the last minute. */
  check(request: FastifyRequest): void;
  /** Counts a failed authentication of the request's address. */
  failed(request: FastifyRequest): void;
}

/**
 * `AUTH_FAILURE_LIMIT`: failed authentications a minute per client address, consumer
 * tokens and the admin token alike (a brute force or an enumeration is refused with 429
 * before its credential is even checked). `undefined` when `0` turns it off.
 */
export function failureLimiter(perMinute: number, store: StoreDialect & RateCountStore): FailureLimiter | undefined {
  if (perMinute <= 0) return undefined;
  const limiter = new RateLimiter(perMinute, {
    what: 'failed authentications from one address',
    ...(store.dialect === 'postgres' ? { shared: store } : {}),
  });
  return {
    check: (request) => limiter.check(`auth-failure:${request.ip}`),
    failed: (request) => limiter.note(`auth-failure:${request.ip}`),
  };
}
