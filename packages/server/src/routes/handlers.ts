import { OPERATIONS, type OperationDef, ProblemError } from '@finum-sync/spec';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';

/** Route handlers by `operationId` of the spec's operations table. */
export type Handlers = Record<string, RouteHandlerMethod>;

/**
 * Refuses a request body of a media type the operation does not document (415), before
 * the body is parsed: Fastify would otherwise parse `text/plain` into a string.
 */
function mediaTypeCheck(op: OperationDef) {
  const accepted = Object.keys(op.requestBody?.content ?? {});
  return async (request: FastifyRequest) => {
    const hasBody =
      request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    const header = request.headers['content-type'];
    if (!hasBody && header === undefined) return;
    const type = (header ?? '').split(';')[0]!.trim().toLowerCase();
    if (!accepted.includes(type)) {
      throw new ProblemError(
        'unsupported-media-type',
        `Content-Type ${type || '(none)'} is not accepted here; send ${accepted.join(' or ')}.`,
      );
    }
  };
}

/**
 * Registers the handlers for the operations of the spec: method, path, security and the
 * accepted request media types come from the table, so the routes cannot drift from the
 * OpenAPI document.
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
    app.route({
      method: op.method,
      url,
      config: { security: op.security },
      ...(op.requestBody ? { onRequest: mediaTypeCheck(op) } : {}),
      handler,
    });
  }
}
