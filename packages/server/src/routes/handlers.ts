import { OPERATIONS, type OperationDef } from '@finum-sync/spec';
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';

/** Route handlers by `operationId` of the spec's operations table. */
export type Handlers = Record<string, RouteHandlerMethod>;

/**
 * Registers the handlers for the operations of the spec: method, path and security come
 * from the table, so the routes cannot drift from the OpenAPI document.
 */
export function registerOperations(
  app: FastifyInstance,
  handlers: Handlers,
  operations: readonly OperationDef[] = OPERATIONS,
) {
  for (const op of operations) {
    const handler = handlers[op.operationId];
    if (!handler) continue;
    // OpenAPI's `{id}` is Fastify's `:id`.
    const url = op.path.replace(/\{(\w+)\}/g, ':$1');
    app.route({ method: op.method, url, config: { security: op.security }, handler });
  }
}
