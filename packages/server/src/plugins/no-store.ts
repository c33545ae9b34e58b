import type { FastifyInstance } from 'fastify';
import { routePath } from '../app.js';
import { notFound } from './problems.js';
import { specValidatorCompiler } from './spec-validator.js';

/**
 * `Cache-Control: no-store` on every answer of a page API surface (`/admin/api`,
 * `/onboarding/api`: status links, credentials, sessions are never cached), its unknown
 * paths included: the surface answers them with its own not-found handler, so this hook
 * runs for them too. Called within the surface's plugin (`register` with its `prefix`).
 */
export function noStoreSurface(surface: FastifyInstance): void {
  const under = `${surface.prefix}/`;
  surface.addHook('onSend', async (request, reply, payload) => {
    if (routePath(request).startsWith(under)) reply.header('Cache-Control', 'no-store');
    return payload;
  });
  surface.setNotFoundHandler(notFound);
  // Query strings and bodies parsed by the spec's own parsers before a handler runs.
  surface.setValidatorCompiler(specValidatorCompiler);
}
