import { createHash, timingSafeEqual } from 'node:crypto';
import { ProblemError } from '@finum-sync/spec';
import type { FastifyRequest } from 'fastify';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The onRequest hook of every route with `security: 'admin'`: the provider's
 * `ADMIN_TOKEN` as a bearer token, compared in constant time. Consumer tokens (JWTs) are
 * refused. Without `ADMIN_TOKEN` the back office is off.
 */
export function adminAuthHook(adminToken: string | undefined) {
  const expected = adminToken ? digest(adminToken) : undefined;
  return async (request: FastifyRequest) => {
    if (request.routeOptions.config.security !== 'admin') return;
    if (!expected)
      throw new ProblemError('forbidden', 'The back office is off on this server: set ADMIN_TOKEN to use it.');
    const header = request.headers.authorization ?? '';
    const token = /^Bearer +(\S+) *$/i.exec(header)?.[1];
    const challenge = { 'WWW-Authenticate': 'Bearer realm="finum-sync-admin"' };
    if (!token) {
      throw new ProblemError('unauthorized', "The back office needs 'Authorization: Bearer <ADMIN_TOKEN>'.", {
        headers: challenge,
      });
    }
    if (!timingSafeEqual(digest(token), expected)) {
      const detail =
        token.split('.').length === 3
          ? 'Consumer tokens are not accepted by the back office; use the ADMIN_TOKEN.'
          : 'Wrong admin token.';
      throw new ProblemError('unauthorized', detail, { headers: challenge });
    }
  };
}
