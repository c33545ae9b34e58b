import type { FastifyRequest } from 'fastify';
import { RateLimiter } from '../plugins/rate-limiter.js';

/**
 * A budget per client address (`request.ip`; behind a proxy with `TRUST_PROXY=true`, the
 * forwarded one) for the public forms: onboarding submissions, admin sign-in. `0`: none.
 * Counted in this process only.
 */
export function addressLimiter(perMinute: number) {
  const limiter = perMinute > 0 ? new RateLimiter(perMinute) : undefined;
  return async (request: FastifyRequest) => limiter?.take(`address:${request.ip}`);
}
