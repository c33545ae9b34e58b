import { createHash, randomBytes } from 'node:crypto';
import { ADMIN_SESSION_COOKIE } from '@finum-sync/spec/admin';
import type { AdminSessionRow, AdminSessionStore } from '../store/port.js';

/** How long a sign-in lasts (absolute, not sliding). */
export const ADMIN_SESSION_TTL_MS = 8 * 3_600_000;

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
/** 32 random bytes, base64url: unguessable (256 bits). */
export const unguessableToken = () => randomBytes(32).toString('base64url');

/** The value of one cookie in a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Server-side sessions of the admin pages, in the database (so that every server process
 * knows them). The cookie carries a random id of which only the hash is stored; each
 * session has its own CSRF token (synchronizer token) that state-changing requests send
 * in a header.
 */
export class AdminSessions {
  private readonly attributes: string;

  constructor(
    private readonly store: AdminSessionStore,
    options: { secure: boolean },
    private readonly clock: () => number = Date.now,
  ) {
    // Path=/admin: the cookie goes only to the back office.
    this.attributes = `Path=/admin; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`;
  }

  /** Opens a session: the `Set-Cookie` value and the session. */
  async open(): Promise<{ setCookie: string; session: AdminSessionRow }> {
    const now = this.clock();
    await this.store.deleteAdminSessionsBefore(now);
    const id = unguessableToken();
    const session = {
      idHash: sha256Hex(id),
      csrfToken: unguessableToken(),
      createdMs: now,
      expiresMs: now + ADMIN_SESSION_TTL_MS,
    };
    await this.store.putAdminSession(session);
    const maxAge = Math.floor(ADMIN_SESSION_TTL_MS / 1000);
    return { setCookie: `${ADMIN_SESSION_COOKIE}=${id}; ${this.attributes}; Max-Age=${maxAge}`, session };
  }

  /** The live session of a request's cookies; `expired` when a cookie is there but its session is not. */
  async resolve(cookieHeader: string | undefined): Promise<AdminSessionRow | 'expired' | undefined> {
    const id = readCookie(cookieHeader, ADMIN_SESSION_COOKIE);
    if (!id) return undefined;
    const session = /^[A-Za-z0-9_-]{43}$/.test(id) ? await this.store.adminSession(sha256Hex(id)) : undefined;
    return session && session.expiresMs > this.clock() ? session : 'expired';
  }

  /** Ends a session; the `Set-Cookie` value that clears the cookie. */
  async close(session: AdminSessionRow | undefined): Promise<string> {
    if (session) await this.store.deleteAdminSession(session.idHash);
    return `${ADMIN_SESSION_COOKIE}=; ${this.attributes}; Max-Age=0`;
  }
}
