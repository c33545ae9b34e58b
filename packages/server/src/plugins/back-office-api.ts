import type { OperationDef } from '@finum-sync/spec';
import type { FastifyInstance } from 'fastify';
import type { AdminSessions } from '../admin/sessions.js';
import { type Handlers, registerOperations, shareOf } from '../routes/handlers.js';
import type { FailureLimiter } from '../web/address-limiter.js';
import { adminAuthHook } from './admin-auth.js';
import { apiSurface } from './api-surface.js';

export interface BackOfficeApiOptions {
  /** The operations under `/admin/api/` (the back office's and the console's) and their handlers. */
  handlers: Handlers;
  operations: readonly OperationDef[];
  /** `ADMIN_TOKEN`; without it the back office is off (403). */
  adminToken: string | undefined;
  sessions: AdminSessions;
  failures: FailureLimiter | undefined;
}

/**
 * The back office's API, registered with `{ prefix: '/admin/api' }`: `Cache-Control:
 * no-store` on all of it; the sign-in (public) in the surface itself, every other operation
 * in a context of its own behind the admin authentication (the `ADMIN_TOKEN` or a page
 * session with its CSRF token), which runs for those routes and nothing else.
 */
export async function backOfficeApi(api: FastifyInstance, options: BackOfficeApiOptions): Promise<void> {
  apiSurface(api);
  const open = shareOf(options.handlers, options.operations, (op) => op.security !== 'admin');
  registerOperations(api, open.handlers, open.operations);
  await api.register(async (admin) => {
    admin.addHook('onRequest', adminAuthHook(options.adminToken, options.sessions, options.failures));
    const guarded = shareOf(options.handlers, options.operations, (op) => op.security === 'admin');
    registerOperations(admin, guarded.handlers, guarded.operations);
  });
}
