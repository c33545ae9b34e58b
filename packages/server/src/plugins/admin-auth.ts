import { createHash, timingSafeEqual } from 'node:crypto';
import { ProblemError } from '@finum-sync/spec';
import { CSRF_HEADER } from '@finum-sync/spec/admin';
import type { FastifyRequest } from 'fastify';
import type { AdminSessions } from '../admin/sessions.js';
import type { Actor, AdminSessionRow } from '../store/port.js';
import type { FailureLimiter } from '../web/address-limiter.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The admin pages' session when the request came with its cookie (not with the bearer token). */
    adminSession?: AdminSessionRow;
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest();
const sameText = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="finum-sync-admin"' };
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Checks an `ADMIN_TOKEN` in constant time; throws the problem to answer when it is not
 * the one. Consumer tokens (JWTs) are refused with a detail that says so.
 */
export function checkAdminToken(adminToken: string | undefined, token: string | undefined): void {
  if (!adminToken)
    throw new ProblemError('forbidden', 'The back office is off on this server: set ADMIN_TOKEN to use it.');
  if (!token) {
    throw new ProblemError(
      'unauthorized',
      "The back office needs 'Authorization: Bearer <ADMIN_TOKEN>' or a session: sign in at /admin/.",
      { headers: CHALLENGE },
    );
  }
  if (!sameText(token, adminToken)) {
    const detail =
      token.split('.').length === 3
        ? 'Consumer tokens are not accepted by the back office; use the ADMIN_TOKEN.'
        : 'Wrong admin token.';
    throw new ProblemError('unauthorized', detail, { headers: CHALLENGE });
  }
}

/**
 * The onRequest hook of the back office's operations with `security: 'admin'` (registered
 * in their context by `backOfficeApi`, so it runs for them only): either the provider's
 * `ADMIN_TOKEN` as a bearer token (programs, the CLI), or the session cookie of the admin
 * pages — then every state-changing request must carry the session's CSRF token in
 * `X-CSRF-Token` (403 otherwise). Without `ADMIN_TOKEN` the back office is off.
 */
export function adminAuthHook(adminToken: string | undefined, sessions?: AdminSessions, failures?: FailureLimiter) {
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (header !== undefined || !adminToken || !sessions) {
      const token = /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1];
      // A brute force of the admin token: refused per address before the token is compared.
      if (adminToken && header !== undefined) failures?.check(request);
      try {
        checkAdminToken(adminToken, token);
      } catch (error) {
        if (adminToken && header !== undefined) failures?.failed(request);
        throw error;
      }
      return;
    }
    const session = await sessions.resolve(request.headers.cookie);
    if (session === 'expired') {
      throw new ProblemError(
        'unauthorized',
        'The session has ended (signed out or expired): sign in again at /admin/.',
        {
          headers: CHALLENGE,
        },
      );
    }
    if (!session) return checkAdminToken(adminToken, undefined); // throws: no credentials
    if (!SAFE_METHODS.has(request.method)) {
      const csrf = request.headers[CSRF_HEADER.toLowerCase()];
      if (typeof csrf !== 'string' || !sameText(csrf, session.csrfToken)) {
        throw new ProblemError(
          'forbidden',
          `A state-changing request with the session cookie needs the session's CSRF token in the ${CSRF_HEADER} header.`,
        );
      }
    }
    request.adminSession = session;
  };
}

/**
 * Who an authenticated back-office request acts as (the audit trail): the admin page
 * session (a short, non-secret id of it: the start of its id's hash) or the `ADMIN_TOKEN`.
 */
export function adminActor(request: FastifyRequest): Actor {
  const address = request.ip ?? null;
  return request.adminSession
    ? { kind: 'session', name: `session ${request.adminSession.idHash.slice(0, 12)}`, address }
    : { kind: 'admin-token', name: 'ADMIN_TOKEN', address };
}
