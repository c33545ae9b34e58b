import {
  compileCheck,
  componentSchemas,
  OPERATIONS,
  type OperationDef,
  ProblemError,
  type TSchema,
} from '@finum-sync/spec';
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

const components = componentSchemas() as Record<string, TSchema>;
const resolve = (schema: TSchema | { $ref: string }) =>
  '$ref' in schema ? components[String(schema.$ref).replace('#/components/schemas/', '')]! : schema;

/** Path parameters as documented (ids), and never with control characters, before a handler sees them. */
function pathParameterCheck(op: OperationDef) {
  const checks = (op.parameters ?? [])
    .filter((p) => p.in === 'path')
    .map((p) => [p.name, compileCheck(resolve(p.schema))] as const);
  if (checks.length === 0) return undefined;
  return async (request: FastifyRequest) => {
    const params = request.params as Record<string, string>;
    const wrong = checks
      .filter(([name, check]) => /[\u0000-\u001f\u007f]/.test(params[name] ?? '') || check(params[name]).length > 0)
      .map(([name]) => name);
    if (wrong.length > 0) {
      throw new ProblemError('invalid-parameter', `The path holds an invalid ${wrong.join(' and ')}.`, {
        errors: wrong.map((field) => ({ field, message: 'is not valid' })),
      });
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
    const checkPath = pathParameterCheck(op);
    app.route({
      method: op.method,
      url,
      config: { security: op.security },
      ...(op.requestBody ? { onRequest: mediaTypeCheck(op) } : {}),
      ...(checkPath ? { preValidation: checkPath } : {}),
      handler,
    });
  }
}
