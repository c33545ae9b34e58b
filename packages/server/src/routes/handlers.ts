import { OPERATIONS } from '@finum-sync/spec';
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';

/** Route handlers by `operationId` of the spec's operations table. */
export type Handlers = Record<string, RouteHandlerMethod>;

/**
 * Registers the handlers for the operations of the spec: method, path and security come
 * from the table, so the routes cannot drift from the OpenAPI document.
 */
export function registerOperations(app: FastifyInstance, handlers: Handlers) {
  for (const op of OPERATIONS) {
    const handler = handlers[op.operationId];
    if (!handler) continue;
    app.route({ method: op.method, url: op.path, config: { security: op.security }, handler });
  }
}
