import type { FastifyRequest } from 'fastify';
import { RateLimiter } from '../plugins/rate-limiter.js';
import type { Store } from '../store/port.js';

/**
 * A budget per client address (`request.ip`; behind proxies, with `TRUST_PROXY` = their
 * number, the address the first of them saw) for the public forms: onboarding submissions, admin sign-in. `0`: none.
 * On PostgreSQL every server process counts against the same budget.
 */
export function addressLimiter(perMinute: number, scope: string, store: Store) {
  const limiter =
    perMinute > 0
      ? new RateLimiter(perMinute, {
          what: `${scope} requests from one address`,
          ...(store.dialect === 'postgres' ? { shared: store } : {}),
        })
      : undefined;
  return async (request: FastifyRequest) => limiter?.take(`${scope}:${request.ip}`);
}
