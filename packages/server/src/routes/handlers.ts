import {
  compileCheck,
  componentSchemas,
  type FieldError,
  type OperationDef,
  type OperationId,
  ProblemError,
  type Query,
  RECORD_TYPES,
  type RecordType,
  type TSchema,
} from '@finum-sync/spec';
import type {
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
} from 'fastify';
import { invalidBody } from '../core/write-validation.js';
import { withParser } from '../plugins/spec-validator.js';

type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/**
 * What a handler receives before the spec's checks: the query string as Fastify parses it,
 * the path parameters (already checked against the spec by `pathParameterCheck`) and the
 * body as parsed for its media type. A handler runs them through the spec's own parsers
 * and checks (`parseListQuery`, the core's body checks…), so that every 400 names the
 * problem the same way; what comes out is typed (`RequestOf<Id>`'s parts).
 */
export interface RawRequest extends RouteGenericInterface {
  Querystring: Query;
  Params: Readonly<Record<string, string>>;
  Body: unknown;
}

/**
 * A path parameter of the route's operation, checked against the spec (`pathParameterCheck`)
 * before the handler runs; a name the route does not declare is a programming error.
 * @example
 * const id = pathParam(request, 'id');
 */
export function pathParam(request: FastifyRequest<RawRequest>, name: string): string {
  const value = request.params[name];
  if (value === undefined) throw new Error(`the route has no path parameter "${name}"`);
  return value;
}

/**
 * A request body checked by the spec's parser for its schema (`compileParse`): the typed value,
 * or a 400 `invalid-body` naming every wrong field.
 * @example
 * const { reason } = bodyOf(compileParse(RejectApplication), request.body);
 */
export function bodyOf<T>(parse: (value: unknown) => Parsed<T>, body: unknown): T {
  if (typeof body !== 'object' || body === null) throw invalidBody([{ field: '', message: 'must be an object' }]);
  const parsed = parse(body);
  if (!parsed.ok) throw invalidBody(parsed.errors);
  return parsed.value;
}

/**
 * What a handler with checked input receives ({@link checked}): the query string and the
 * body as the spec's parsers made them, typed.
 */
export interface CheckedRequest<Q, B> extends RouteGenericInterface {
  Querystring: Q;
  Params: Readonly<Record<string, string>>;
  Body: B;
}

/** The spec's parsers of a handler's input: each returns the typed value or throws the spec's `ProblemError`. */
export interface InputParsers<Q, B> {
  readonly query?: (query: Query) => Q;
  readonly body?: (body: unknown) => B;
}

/** A route's options but its handler and schema, as `registerOperations` builds them from the operation. */
type RouteBase = { method: OperationDef['method']; url: string; onRequest?: Hook; preValidation?: Hook };
type Hook = (request: FastifyRequest) => Promise<void>;

/**
 * A handler with checked input ({@link checked}): it registers its own route, so that the
 * route's request type is the handler's (`CheckedRequest<Q, B>`) without a cast.
 */
export interface CheckedHandler {
  readonly kind: 'checked';
  route(app: FastifyInstance, op: OperationDef, base: RouteBase): void;
}

/**
 * A handler whose query string and body are parsed by the spec's own parsers at the edge,
 * before it runs: `registerOperations` gives its route a schema of those parts (from the
 * operation's definition) carrying the parsers, which the surface's validator compiler
 * (`plugins/spec-validator.ts`) runs — a refusal is the same 400 as when handlers parsed
 * their input themselves, and the handler gets the typed values.
 * @example
 * fileDownload: checked({ query: parseDownloadQuery }, async (request, reply) => {
 *   const id: string = request.query;
 * }),
 */
export function checked<Q = Query, B = unknown>(
  input: InputParsers<Q, B>,
  handler: RouteHandlerMethod<
    RawServerDefault,
    RawRequestDefaultExpression,
    RawReplyDefaultExpression,
    CheckedRequest<Q, B>
  >,
): CheckedHandler {
  return {
    kind: 'checked',
    route(app, op, base) {
      // The validator compiler puts the parsed values where the handler reads them.
      const schema = inputSchema(op, input);
      app.route<CheckedRequest<Q, B>>({ ...base, schema, handler });
    },
  };
}

/** A route handler of an operation that reads its input itself. */
export type PlainHandler = RouteHandlerMethod<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  RawRequest
>;

/** A route handler of an operation: plain, or with its input checked at the edge ({@link checked}). */
export type Handler = PlainHandler | CheckedHandler;

/**
 * A handler for each of the operations `Id`: a missing or misspelt one is a compile error
 * where the map is declared.
 * @example
 * const handlers: HandlersFor<'healthz' | 'readyz'> = { healthz: …, readyz: … };
 */
export type HandlersFor<Id extends string> = { readonly [K in Id]: Handler };

/**
 * Handlers for a list of operations typed `OperationDef[]` (the onboarding, the back office,
 * the console): `registerOperations` checks at start that each one has its handler.
 */
export type Handlers = HandlersFor<string>;

/** The handlers of every operation of the API (the spec's `operations`), keyed by `OperationId`. */
export type ApiHandlers = HandlersFor<OperationId>;

/**
 * One handler per record type, keyed by the operation id `name(type)` gives
 * (`listOperationId`, `updatedOperationId`).
 */
export function perRecordType<Id extends OperationId>(
  name: (type: RecordType) => Id,
  handler: (type: RecordType) => Handler,
): HandlersFor<Id> {
  // Object.fromEntries types its keys as string; RECORD_TYPES covers every `Id` `name` makes.
  return Object.fromEntries(RECORD_TYPES.map((type) => [name(type), handler(type)])) as HandlersFor<Id>;
}

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
    // The router gives path parameters as strings, by the names of the route's pattern.
    const params = request.params as Partial<Record<string, string>>;
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
 * The route schema of a {@link checked} handler's input: the operation's query parameters
 * and JSON body as the spec documents them, each carrying the handler's parser of it.
 */
function inputSchema<Q, B>(op: OperationDef, input: InputParsers<Q, B>) {
  const schema: { querystring?: object; body?: object } = {};
  if (input.query) {
    const parse = input.query;
    const properties = Object.fromEntries(
      (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, resolve(p.schema)]),
    );
    schema.querystring = withParser({ type: 'object', properties }, (query) => parse(query as Query));
  }
  if (input.body) {
    const documented = op.requestBody?.content['application/json']?.schema;
    if (!documented) throw new Error(`registerOperations: ${op.operationId} documents no JSON body to parse`);
    schema.body = withParser(resolve(documented), input.body);
  }
  return schema;
}

/**
 * Registers the handlers of the operations of the spec: method, path and the accepted
 * request media types come from the table, so the routes cannot drift from the OpenAPI
 * document (the security is the hooks' of the surface whose plugin registers them). Given the spec's `operations` map, `handlers` must have one handler
 * for every `OperationId` (a compile error otherwise); given a list typed `OperationDef[]`,
 * a missing handler, or one for no operation of the list, stops the server at start.
 * Registered within a surface's plugin, the operations' paths must lie under its prefix.
 */
export function registerOperations<const Id extends string>(
  app: FastifyInstance,
  handlers: HandlersFor<NoInfer<Id>>,
  operations: Readonly<Record<Id, OperationDef>> | readonly (OperationDef & { readonly operationId: Id })[],
) {
  const list: readonly OperationDef[] = Array.isArray(operations) ? operations : Object.values(operations);
  const byId: Partial<Record<string, Handler>> = handlers;
  const ids = new Set(list.map((op) => op.operationId));
  const missing = [...ids].filter((id) => !byId[id]);
  const unknown = Object.keys(handlers).filter((id) => !ids.has(id));
  if (missing.length > 0 || unknown.length > 0) {
    throw new Error(
      `registerOperations: ${[
        missing.length ? `no handler for ${missing.join(', ')}` : '',
        unknown.length ? `handlers for no operation: ${unknown.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ')}`,
    );
  }
  for (const op of list) {
    // Within a surface's plugin (`app.register(…, { prefix })`) the path is relative to its prefix.
    if (!op.path.startsWith(`${app.prefix}/`)) {
      throw new Error(
        `registerOperations: ${op.operationId} (${op.path}) is not under this plugin's prefix ${app.prefix}`,
      );
    }
    // OpenAPI's `{id}` is Fastify's `:id`.
    const url = op.path.slice(app.prefix.length).replace(/\{(\w+)\}/g, ':$1');
    const checkPath = pathParameterCheck(op);
    const handler = byId[op.operationId]!;
    const base: RouteBase = {
      method: op.method,
      url,
      ...(op.requestBody ? { onRequest: mediaTypeCheck(op) } : {}),
      ...(checkPath ? { preValidation: checkPath } : {}),
    };
    if ('kind' in handler) handler.route(app, op, base);
    else app.route<RawRequest>({ ...base, handler });
  }
}

/**
 * A surface's share of a map of handlers: the operations of `list` that `keep` selects and
 * their handlers, for `registerOperations` in the surface's plugin.
 * @example
 * const v1 = shareOf(apiHandlers, Object.values(operations), (op) => op.path.startsWith('/v1/'));
 * registerOperations(instance, v1.handlers, v1.operations);
 */
export function shareOf(
  handlers: Handlers,
  list: readonly OperationDef[],
  keep: (op: OperationDef) => boolean,
): { handlers: Handlers; operations: OperationDef[] } {
  const operations = list.filter(keep);
  return {
    handlers: Object.fromEntries(
      operations.filter((op) => handlers[op.operationId]).map((op) => [op.operationId, handlers[op.operationId]!]),
    ),
    operations,
  };
}
