import type { FastifyInstance } from 'fastify';
import { notFound } from './problems.js';
import { specValidatorCompiler } from './spec-validator.js';

/**
 * The path a request was routed by: its route's pattern, or (no route) its path with
 * repeated slashes collapsed, as the router reads it — so `//v1/…` is treated as `/v1/…`.
 */
export function routePath(request: { url: string; routeOptions: { url?: string | undefined } }): string {
  return request.routeOptions.url ?? request.url.split('?')[0]!.replace(/\/{2,}/g, '/');
}

/**
 * What a page API surface (`/admin/api`, `/onboarding/api`) sets up in its plugin
 * (`register` with its `prefix`): `Cache-Control: no-store` on every answer (status links,
 * credentials, sessions are never cached), its unknown paths included — the surface answers
 * them with its own not-found handler, so this hook runs for them too — and the spec's
 * parsers as the validator compiler of its routes' schemas.
 */
export function apiSurface(surface: FastifyInstance): void {
  const under = `${surface.prefix}/`;
  surface.addHook('onSend', (request, reply, payload, done) => {
    if (routePath(request).startsWith(under)) reply.header('Cache-Control', 'no-store');
    done(null, payload);
  });
  surface.setNotFoundHandler(notFound);
  // Query strings and bodies parsed by the spec's own parsers before a handler runs.
  surface.setValidatorCompiler(specValidatorCompiler);
}
