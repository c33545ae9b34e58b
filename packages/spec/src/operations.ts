import Type, { type Static, type TArray, type TSchema, type TString, type TUnsafe } from 'typebox';
import { AuthStatus, TOKEN_RULES } from './auth.js';
import { DOC_EXAMPLES, REQUEST_EXAMPLES } from './examples.js';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, IdempotencyKey, SYNC_UNTIL_HEADER } from './headers.js';
import type { OptionalUndefined } from './internal.js';
import { CONSUMER_CREATE_STATUSES, DATA_FROZEN_FROM, describeCreateStatuses } from './lifecycle.js';
import { Id, IdList, typed } from './primitives.js';
import type { ProblemCode } from './problems.js';
import { LIST_FILTERS, MAX_IDS_PER_CALL } from './read-params.js';
import {
  ClientCreate,
  ClientPatch,
  Client as ClientRecord,
  Contract,
  ContractCreate,
  ContractPatch,
  FILE_CATEGORIES,
  FileRecord,
  RECORD_SCHEMAS,
  RECORD_TYPES,
  type RecordType,
} from './records.js';

/**
 * Every endpoint of SPEC §6–7 as data, keyed by `operationId`. The server registers its
 * handlers by `operationId`; the OpenAPI document is emitted from this map (schemas that
 * are components become `$ref`s there); the SDK and the validator read it; `RequestOf` and
 * `ResponseOf` give each operation's types.
 */

/**
 * An HTTP method of the API.
 * @example
 * const method: HttpMethod = operations.contractUpdate.method; // 'PATCH'
 */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';
/**
 * Who may call an operation: a consumer's token, anyone, or the provider's administrator.
 * @example
 * operations.healthz.security; // 'public'
 */
export type Security = 'consumer' | 'public' | 'admin';

/** A JSON Schema written out by hand, or a reference to a component, in the documentation of an operation. */
type SchemaLike = TSchema | { $ref: string };

/**
 * A documented parameter of an operation.
 * @example
 * operations.fileDownload.parameters[0].name; // 'id'
 */
export interface ParamDef {
  readonly name: string;
  readonly in: 'query' | 'header' | 'path';
  readonly required?: boolean;
  readonly schema: SchemaLike;
  readonly description: string;
  readonly example?: unknown;
  readonly style?: 'form';
  readonly explode?: boolean;
}

/**
 * A documented response header.
 * @example
 * const h: HeaderDef = { description: 'Seconds to wait.', schema: { type: 'integer' } };
 */
export interface HeaderDef {
  readonly description: string;
  readonly schema: SchemaLike | { type: string; format?: string; pattern?: string };
}

/**
 * A media type's schema (and example) in a request body or response.
 * @example
 * const media: MediaDef = { schema: Contract };
 */
export interface MediaDef {
  readonly schema: SchemaLike;
  readonly example?: unknown;
}

/**
 * A documented response of an operation.
 * @example
 * operations.authStatus.responses[200].description; // 'The token is valid.'
 */
export interface ResponseDef {
  readonly description: string;
  readonly content?: Readonly<Record<string, MediaDef>>;
  readonly headers?: Readonly<Record<string, HeaderDef>>;
}

/**
 * An operation as documented: what the OpenAPI document shows of it, and the problems it
 * may answer with.
 * @example
 * const op: OperationDef = operations.contractList;
 */
export interface OperationDef {
  readonly operationId: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly description: string;
  readonly security: Security;
  readonly parameters?: readonly ParamDef[];
  readonly requestBody?: {
    readonly description: string;
    readonly content: Readonly<Record<string, MediaDef>>;
  };
  readonly responses: Readonly<Record<number, ResponseDef>>;
  /** Problems this operation answers with besides those every secured operation may give. */
  readonly problems: readonly ProblemCode[];
}

/**
 * A JSON reference to a component of the OpenAPI document.
 * @example
 * ref('Contract'); // { $ref: '#/components/schemas/Contract' }
 */
export const ref = (name: string) => Type.Ref(`#/components/schemas/${name}`);

const json = <S extends SchemaLike>(schema: S, example?: unknown) =>
  ({ 'application/json': example === undefined ? { schema } : { schema, example } }) as {
    readonly 'application/json': { readonly schema: S; readonly example?: unknown };
  };

/**
 * Problems any operation that needs a consumer token may answer with.
 * @example
 * SECURED_PROBLEMS.includes('unauthorized'); // true
 */
export const SECURED_PROBLEMS: readonly ProblemCode[] = ['unauthorized', 'rate-limited', 'unavailable'];

// ---------------------------------------------------------------------------------------
// Types of an operation, derived from its documentation.

type QueryParam<O> = O extends { readonly parameters: readonly (infer P)[] }
  ? Extract<P, { readonly in: 'query' }>
  : never;
type StaticOf<S> = S extends TSchema ? Static<S> : unknown;
type QueryStatic<O> = OptionalUndefined<{
  -readonly [P in QueryParam<O> as P['name']]: P extends { readonly required: true }
    ? StaticOf<P['schema']>
    : StaticOf<P['schema']> | undefined;
}>;
type BodySchema<O> = O extends { readonly requestBody: { readonly content: infer C } }
  ? C[keyof C] extends { readonly schema: infer S }
    ? S
    : never
  : never;
type SuccessResponse<R> = R extends { readonly 200: infer A }
  ? A
  : R extends { readonly 201: infer B }
    ? B
    : R extends { readonly 204: infer C }
      ? C
      : never;
type ResponseSchema<O> = O extends { readonly responses: infer R }
  ? SuccessResponse<R> extends { readonly content: infer C }
    ? C[keyof C] extends { readonly schema: infer S }
      ? S
      : never
    : never
  : never;

/**
 * An operation with its typed parts: `query` (the query parameters as one object schema,
 * when it has any), `body` (the request body's schema) and `response` (the success
 * response's schema), taken from its documentation.
 * @example
 * Compile(operations.contractCreate.body).Check(body);
 */
export type TypedOperation<O extends OperationDef> = O & {
  readonly query: [QueryParam<O>] extends [never] ? undefined : TTypedQuery<QueryStatic<O>>;
  readonly body: [BodySchema<O>] extends [never] ? undefined : BodySchema<O>;
  readonly response: [ResponseSchema<O>] extends [never] ? undefined : ResponseSchema<O>;
};
type TTypedQuery<T> = TUnsafe<T> & { readonly type: 'object'; readonly properties: Readonly<Record<string, TSchema>> };

const firstMedia = (content: Readonly<Record<string, MediaDef>> | undefined) =>
  content ? Object.values(content)[0]?.schema : undefined;

/**
 * Adds the typed parts to an operation's documentation (see {@link TypedOperation}).
 * @example
 * const ping = defineOperation({ operationId: 'ping', method: 'GET', path: '/ping', tag: 'operations',
 *   summary: 'Ping', description: 'Pong.', security: 'public', responses: { 204: { description: 'Pong.' } }, problems: [] });
 */
export function defineOperation<const O extends OperationDef>(op: O): TypedOperation<O> {
  const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
  const query = queryParams.length
    ? Type.Object(
        Object.fromEntries(
          queryParams.map((p) => [p.name, p.required ? (p.schema as TSchema) : Type.Optional(p.schema as TSchema)]),
        ),
        { additionalProperties: false },
      )
    : undefined;
  const responses = op.responses as Record<number, ResponseDef>;
  const success = responses[200] ?? responses[201] ?? responses[204];
  return {
    ...op,
    query,
    body: firstMedia(op.requestBody?.content),
    response: firstMedia(success?.content),
  } as TypedOperation<O>;
}

// ---------------------------------------------------------------------------------------
// Reads: `T-list` and `T-id-list-updated` for every record type.

const idListParam = <T extends RecordType>(type: T) =>
  ({
    name: 'id-list',
    in: 'query',
    // No maxLength: spaces, empty entries and duplicates are tolerated, so the text of 1,000 ids
    // has no fixed bound below the request line limit (64 KiB, SPEC §6).
    schema: Type.String({ pattern: '^[A-Za-z0-9_, -]*$' }),
    description: `Comma-separated ids, at most ${MAX_IDS_PER_CALL} per call. Empty entries, duplicates and spaces around ids are ignored; an invalid id is a 400. Ids the consumer may not see are left out, exactly like ids that do not exist.`,
    example: DOC_EXAMPLES.idList[type].join(','),
  }) as const satisfies ParamDef;

/**
 * What a filter other than `id-list` looks like in the demo data. Not an `example` of the
 * parameter: the docs would fill it in beside `id-list`, and two filters are a 400.
 */
const FILTER_EXAMPLES: Record<string, string> = {
  'holder-id': DOC_EXAMPLES.holderId,
  'external-id': DOC_EXAMPLES.externalId,
};

const TITLES: Record<RecordType, { one: string; many: string }> = {
  client: { one: 'client', many: 'clients' },
  product: { one: 'product', many: 'products' },
  user: { one: 'user', many: 'users' },
  contract: { one: 'contract', many: 'contracts' },
  file: { one: 'file', many: 'files' },
};

const VISIBILITY: Record<RecordType, string> = {
  client: 'the consumer’s own clients',
  product: 'every product (withdrawn ones with `active: false`)',
  user: 'the consumer’s own users',
  contract: 'the consumer’s own contracts',
  file: 'files of the consumer’s own contracts and clients, and product files',
};

type FilterParam<T extends RecordType> = (typeof LIST_FILTERS)[T][number] extends infer F
  ? F extends { readonly param: infer P extends string }
    ? { readonly name: P; readonly in: 'query'; readonly schema: TString } & ParamDef
    : never
  : never;
/** The filter parameters of a list operation, one per `LIST_FILTERS` entry, names kept. */
type FilterParams<T extends RecordType> = readonly FilterParam<T>[];

// The overload gives callers the parameters' names; the body builds them from the table.
function filterParams<T extends RecordType>(type: T): FilterParams<T>;
function filterParams(type: RecordType): readonly ParamDef[] {
  return LIST_FILTERS[type].map(
    (f): ParamDef => ({
      name: f.param,
      in: 'query',
      schema: f.isId ? Id : Type.String({ minLength: 1, maxLength: 255 }),
      description: `${f.description} Instead of \`id-list\`, not with it (clear \`id-list\` in Try it out), e.g. \`${FILTER_EXAMPLES[f.param]}\` in the demo data.`,
    }),
  );
}

function listOperation<T extends RecordType>(type: T) {
  const t = TITLES[type];
  const filters = LIST_FILTERS[type] as readonly { param: string }[];
  return defineOperation({
    operationId: `${type}List`,
    method: 'GET',
    path: `/v1/${type}-list`,
    tag: t.many,
    summary: `Get ${t.many} by id${filters.length ? ` or ${filters.map((f) => f.param.replace('-id', '')).join(' / ')}` : ''}`,
    description: [
      `Returns the visible ${t.many} among the given ids (visibility: ${VISIBILITY[type]}), each once, tombstones (\`deleted: true\`) included, in the order the ids were given.`,
      `Exactly one filter per call: ${['`id-list`', ...filters.map((f) => `\`${f.param}\``)].join(' or ')}. A call without a filter is a 400 — lists are always bounded; use \`${type}-id-list-updated\` to learn ids.`,
    ].join('\n\n'),
    security: 'consumer',
    parameters: [idListParam(type), ...filterParams(type)],
    responses: {
      200: {
        description: `The matching ${t.many}.`,
        content: json(Type.Array(RECORD_SCHEMAS[type]) as TArray<(typeof RECORD_SCHEMAS)[T]>),
      },
    },
    problems: ['missing-filter', 'too-many-ids', 'invalid-parameter', 'headers-too-large'],
  });
}

function updatedOperation<T extends RecordType>(type: T) {
  const t = TITLES[type];
  return defineOperation({
    operationId: `${type}IdListUpdated`,
    method: 'GET',
    path: `/v1/${type}-id-list-updated`,
    tag: t.many,
    summary: `Ids of ${t.many} changed since a time`,
    description: [
      `Returns the ids of all visible ${t.many} created, changed or deleted at or after \`since\` — without \`since\`, every visible id. No pagination: 50,000 ids are well inside 5 MB. Fetch the records with \`${type}-list?id-list=\`.`,
      `**Sync watermark:** pass the \`${SYNC_UNTIL_HEADER}\` response header as the next \`since\`; that misses no change, even with concurrent writers (records whose change was still committing are reported again next time). Consumers that do not read the header should use their previous request time minus 5 minutes.`,
    ].join('\n\n'),
    security: 'consumer',
    parameters: [
      {
        name: 'since',
        in: 'query',
        // Any RFC 3339 timestamp is read (offsets, any fraction); the API writes UTC with milliseconds.
        schema: Type.String({ format: 'date-time' }),
        description: `RFC 3339 timestamp (any offset; pass \`${SYNC_UNTIL_HEADER}\` as it is); inclusive. Unparsable, or more than ${TOKEN_RULES.clockSkewS} s ahead of the provider’s clock, is a 400.`,
        example: DOC_EXAMPLES.since,
      },
    ],
    responses: {
      200: {
        description: `Ids of the ${t.many} changed at or after \`since\`, in no particular order.`,
        content: json(IdList, DOC_EXAMPLES.idList[type]),
        headers: {
          [SYNC_UNTIL_HEADER]: {
            description: 'The watermark: pass it as the next `since` to miss no change.',
            schema: ref('Timestamp'),
          },
        },
      },
    },
    problems: ['invalid-parameter'],
  });
}

type ReadOperations = {
  [T in RecordType as `${T}List`]: ReturnType<typeof listOperation<T>>;
} & {
  [T in RecordType as `${T}IdListUpdated`]: ReturnType<typeof updatedOperation<T>>;
};

/** In the documented order: per record type its list, then its delta. */
const readOperations = Object.fromEntries(
  RECORD_TYPES.flatMap((type) => [
    [`${type}List`, listOperation(type)],
    [`${type}IdListUpdated`, updatedOperation(type)],
  ]),
) as ReadOperations;

// ---------------------------------------------------------------------------------------
// Writes.

const idempotencyKey: ParamDef = {
  name: IDEMPOTENCY_KEY_HEADER,
  in: 'header',
  schema: IdempotencyKey,
  description:
    'Optional, 1–255 characters, scoped to the consumer, kept 24 h. The same key with the same body replays the first response (same id and status); with another body it is a 422; while the first request still runs, a 409.',
};

const writeProblems: ProblemCode[] = [
  'invalid-body',
  'malformed-json',
  'request-timeout',
  'payload-too-large',
  'unsupported-media-type',
  'idempotency-key-reused',
  'idempotency-in-progress',
];

const patchProblems: ProblemCode[] = [
  'invalid-body',
  'malformed-json',
  'request-timeout',
  'payload-too-large',
  'unsupported-media-type',
  'not-found',
  'version-conflict',
];

const replayHeader: Record<string, HeaderDef> = {
  [IDEMPOTENT_REPLAYED_HEADER]: {
    description: '`true` when this response replays the first response to the same `Idempotency-Key`.',
    schema: { type: 'string' },
  },
};

/**
 * Body of `POST /v1/file` (`multipart/form-data`): the bytes and what they belong to.
 * @example
 * const form = new FormData(); form.set('file', blob, 'policy.pdf'); form.set('contractId', 'c-1'); form.set('category', 'policy');
 */
export const FileUpload = typed<{
  file: Blob;
  contractId?: string;
  clientId?: string;
  category: (typeof FILE_CATEGORIES)[number];
}>()(
  Type.Object(
    {
      file: Type.String({ format: 'binary', description: 'The bytes, with a file name and content type.' }),
      contractId: Type.Optional({
        ...Id,
        description: 'Contract the file belongs to (this or `clientId`).',
        examples: [REQUEST_EXAMPLES.fileUpload.contractId],
      }),
      // The interactive docs fill form fields with their example: an empty one is sent empty,
      // which counts as not given, so that the example form (with `contractId`) is accepted.
      clientId: Type.Optional({
        ...Id,
        description: 'Client the file belongs to (this or `contractId`). An empty field counts as not given.',
        examples: [''],
      }),
      category: Type.Enum([...FILE_CATEGORIES], {
        description: 'What kind of document it is.',
        examples: [REQUEST_EXAMPLES.fileUpload.category],
      }),
    },
    { additionalProperties: false },
  ),
);
export type FileUpload = Static<typeof FileUpload>;

const contractFlow = `See the status table in the \`Contract\` schema: consumers create with ${CONSUMER_CREATE_STATUSES.join(' or ')} (default) and may move 100/110/130 → 120, 130 → 230 and 100/110/120/130 → 190. Data fields can be changed only while the status is below ${DATA_FROZEN_FROM}.`;

const writeOperations = {
  clientCreate: defineOperation({
    operationId: 'clientCreate',
    method: 'POST',
    path: '/v1/client',
    tag: 'clients',
    summary: 'Create a client',
    description:
      'Creates a client of the consumer. Persons need `lastName`, companies `companyName`. Unknown fields without `_` and read-only fields are a 400 naming them.',
    security: 'consumer',
    parameters: [idempotencyKey],
    requestBody: { description: 'The client’s data.', content: json(ClientCreate, REQUEST_EXAMPLES.clientCreate) },
    responses: { 201: { description: 'The created client.', content: json(ClientRecord), headers: replayHeader } },
    problems: writeProblems,
  }),
  clientUpdate: defineOperation({
    operationId: 'clientUpdate',
    method: 'PATCH',
    path: '/v1/client',
    tag: 'clients',
    summary: 'Change a client',
    description:
      'Partial update: only the fields given change; `null` clears an optional field. With `version`, a record that has moved on is a 409 and nothing changes.',
    security: 'consumer',
    requestBody: {
      description: '`id`, optional `version`, and the fields to change.',
      content: json(ClientPatch, REQUEST_EXAMPLES.clientUpdate),
    },
    responses: { 200: { description: 'The changed client.', content: json(ClientRecord) } },
    problems: patchProblems,
  }),
  contractCreate: defineOperation({
    operationId: 'contractCreate',
    method: 'POST',
    path: '/v1/contract',
    tag: 'contracts',
    summary: 'Create a contract (ask for a proposal)',
    description: `Creates a contract for one of the consumer’s clients with status ${describeCreateStatuses()}. When a field of the product’s \`requiredFields\` is missing, the provider answers with status 110 and names the missing fields in \`statusNote\`. A \`callbackUrl\` is called once, at the contract’s next status change made by the provider (not at changes the consumer makes itself).\n\n${contractFlow}`,
    security: 'consumer',
    parameters: [idempotencyKey],
    requestBody: {
      description: 'The contract’s data. Add `callbackUrl` (https) to be called at the provider’s next status change.',
      content: json(ContractCreate, REQUEST_EXAMPLES.contractCreate),
    },
    responses: {
      201: { description: 'The created contract.', content: json(Contract), headers: replayHeader },
    },
    problems: [...writeProblems, 'callback-url-refused'],
  }),
  contractUpdate: defineOperation({
    operationId: 'contractUpdate',
    method: 'PATCH',
    path: '/v1/contract',
    tag: 'contracts',
    summary: 'Change a contract or its status',
    description: `Partial update of a contract: data fields (only while the status is below ${DATA_FROZEN_FROM}), \`status\` (only the consumer transitions), and a one-shot \`callbackUrl\`. A forbidden transition is a 409 naming the allowed ones.\n\n${contractFlow}`,
    security: 'consumer',
    requestBody: {
      description: '`id`, optional `version`, `status`, `callbackUrl` and the fields to change.',
      content: json(ContractPatch, REQUEST_EXAMPLES.contractUpdate),
    },
    responses: { 200: { description: 'The changed contract.', content: json(Contract) } },
    problems: [...patchProblems, 'transition-not-allowed', 'data-frozen', 'callback-url-refused'],
  }),
  fileUpload: defineOperation({
    operationId: 'fileUpload',
    method: 'POST',
    path: '/v1/file',
    tag: 'files',
    summary: 'Upload a file',
    description:
      'Uploads a document for one of the consumer’s contracts or clients (`multipart/form-data`). The declared content type is checked against the bytes. The limit is `MAX_FILE_SIZE` (default 20 MB).',
    security: 'consumer',
    parameters: [idempotencyKey],
    requestBody: {
      description: 'The file and what it belongs to.',
      content: { 'multipart/form-data': { schema: FileUpload } },
    },
    responses: { 201: { description: 'The file record.', content: json(FileRecord), headers: replayHeader } },
    problems: [...writeProblems, 'not-found'],
  }),
};

// ---------------------------------------------------------------------------------------
// The rest.

/**
 * The bytes of `GET /v1/file-download` (any media type: the file's own).
 * @example
 * const bytes: FileBytes = new Uint8Array(await response.arrayBuffer());
 */
export const FileBytes = Type.Unsafe<Uint8Array>({ type: 'string', format: 'binary' });
export type FileBytes = Static<typeof FileBytes>;

/**
 * The answer of `GET /demo/credentials`: what a developer needs to call the demo consumer's API.
 * @example
 * const { payload, privateKey } = (await (await fetch('/demo/credentials')).json()) as DemoCredentials;
 */
export const DemoCredentials = Type.Object(
  {
    consumerId: Type.String(),
    payload: Type.Object(
      { sub: Type.String(), aud: Type.String() },
      { description: 'The JWT payload to sign (add `iat` and `exp`).' },
    ),
    privateKey: Type.String({ description: 'PKCS#8 PEM private key (public by design: demo only).' }),
    callbackSecret: Type.String({ description: 'Standard Webhooks secret (`whsec_…`) of the demo consumer.' }),
  },
  { additionalProperties: false },
);
export type DemoCredentials = Static<typeof DemoCredentials>;

/**
 * The answer of `/healthz` and `/readyz`.
 * @example
 * const health: Health = { status: 'ok' };
 */
export const Health = Type.Object({ status: Type.String() }, { additionalProperties: true });
export type Health = Static<typeof Health>;

/**
 * Every operation of the API (SPEC §6–7 and the provider's public endpoints), keyed by
 * `operationId`, in the order the OpenAPI document lists them.
 * @example
 * const { method, path } = operations.contractList; // 'GET', '/v1/contract-list'
 */
export const operations = {
  authStatus: defineOperation({
    operationId: 'authStatus',
    method: 'GET',
    path: '/v1/auth-status',
    tag: 'auth',
    summary: 'Check the token',
    description:
      'Answers 200 when the bearer token is valid, with the consumer it belongs to and when it expires. Try this first.',
    security: 'consumer',
    responses: {
      200: {
        description: 'The token is valid.',
        content: json(AuthStatus, {
          authenticated: true,
          consumerId: 'demo',
          tokenExpiresAt: '2026-11-23T11:15:30.000Z',
        }),
      },
    },
    problems: [],
  }),
  ...readOperations,
  fileDownload: defineOperation({
    operationId: 'fileDownload',
    method: 'GET',
    path: '/v1/file-download',
    tag: 'files',
    summary: 'Download a file’s bytes',
    description:
      'Streams the bytes of a visible file with `Content-Type`, `Content-Length`, `Content-Disposition` and `ETag` (the sha256). Supports `If-None-Match` (304) and a single `Range` (206).',
    security: 'consumer',
    parameters: [
      {
        name: 'id',
        in: 'query',
        required: true,
        schema: Id,
        description: 'The file id.',
        example: DOC_EXAMPLES.fileId,
      },
      {
        name: 'Range',
        in: 'header',
        schema: Type.String({ pattern: '^bytes=' }),
        description: 'One byte range, e.g. `bytes=0-1023`.',
      },
      {
        name: 'If-None-Match',
        in: 'header',
        schema: Type.String(),
        description: 'The ETag of a copy the consumer has; 304 when it is current.',
      },
    ],
    responses: {
      200: {
        description: 'The file’s bytes, with the file’s `mimeType` as `Content-Type`.',
        content: { '*/*': { schema: FileBytes } },
        headers: {
          'Content-Type': { description: 'The file’s `mimeType`.', schema: { type: 'string' } },
          'Content-Length': { description: 'The file’s `size`.', schema: { type: 'integer' } },
          'Content-Disposition': { description: '`attachment` with the file’s `name`.', schema: { type: 'string' } },
          ETag: { description: 'The file’s `sha256`, quoted.', schema: { type: 'string' } },
          'Accept-Ranges': { description: '`bytes`.', schema: { type: 'string' } },
        },
      },
      206: {
        description: 'The requested byte range, with the file’s `mimeType` as `Content-Type`.',
        content: { '*/*': { schema: FileBytes } },
        headers: {
          'Content-Range': { description: 'The range sent, e.g. `bytes 0-1023/4096`.', schema: { type: 'string' } },
        },
      },
      304: { description: 'Not modified: the `If-None-Match` ETag is current.' },
    },
    problems: ['invalid-parameter', 'not-found', 'range-not-satisfiable'],
  }),
  ...writeOperations,
  demoCredentials: defineOperation({
    operationId: 'demoCredentials',
    method: 'GET',
    path: '/demo/credentials',
    tag: 'demo',
    summary: 'The demo consumer’s credentials',
    description:
      'Public by design: the JWT payload, private key and callback secret of the demo consumer, for trying the API. Absent (404) when the provider runs with `DEMO=off`.',
    security: 'public',
    responses: { 200: { description: 'The demo credentials.', content: json(DemoCredentials) } },
    problems: ['not-found'],
  }),
  healthz: defineOperation({
    operationId: 'healthz',
    method: 'GET',
    path: '/healthz',
    tag: 'operations',
    summary: 'Liveness',
    description: 'Answers 200 while the process runs.',
    security: 'public',
    responses: { 200: { description: 'Alive.', content: json(Health) } },
    problems: [],
  }),
  readyz: defineOperation({
    operationId: 'readyz',
    method: 'GET',
    path: '/readyz',
    tag: 'operations',
    summary: 'Readiness',
    description: 'Answers 200 when the database answers, 503 otherwise.',
    security: 'public',
    responses: { 200: { description: 'Ready to serve.', content: json(Health) } },
    problems: ['unavailable'],
  }),
} as const;

/**
 * The id of an operation of {@link operations}.
 * @example
 * const id: OperationId = 'contractIdListUpdated';
 */
export type OperationId = keyof typeof operations;

type Operation<Id extends OperationId> = (typeof operations)[Id];

/**
 * What a call of an operation sends: `query` (the query parameters; optional when none is
 * required) and `body`, each only where the operation has one.
 * @example
 * const request: RequestOf<'contractList'> = { query: { 'holder-id': 'cl-1' } };
 */
export type RequestOf<Id extends OperationId> =
  OptionalUndefined<{
    query: Operation<Id>['query'] extends TSchema
      ?
          | Static<Operation<Id>['query']>
          | (Record<string, never> extends Static<Operation<Id>['query']> ? undefined : never)
      : never;
    body: Operation<Id>['body'] extends TSchema ? Static<Operation<Id>['body']> : never;
  }> extends infer R
    ? { [K in keyof R as [R[K]] extends [never] ? never : K]: R[K] }
    : never;

/**
 * What a successful call of an operation answers with (the body of its 200/201).
 * @example
 * const contracts: ResponseOf<'contractList'> = await client.call('contractList', { query: { 'id-list': 'c-1' } });
 */
export type ResponseOf<Id extends OperationId> = Operation<Id>['response'] extends TSchema
  ? Static<Operation<Id>['response']>
  : undefined;

/**
 * {@link operations} as a list, in the documented order: the server registers them, the
 * OpenAPI document is emitted from them.
 * @example
 * OPERATIONS.filter((op) => op.security === 'consumer').length;
 */
export const OPERATIONS: readonly OperationDef[] = Object.values(operations);

/**
 * The operation with this id; throws for an unknown one.
 * @example
 * operationById('readyz').path; // '/readyz'
 */
export const operationById = (id: string): OperationDef => {
  const op = OPERATIONS.find((o) => o.operationId === id);
  if (!op) throw new Error(`unknown operation ${id}`);
  return op;
};

/**
 * The `operationId` of a record type's list.
 * @example
 * listOperationId('contract'); // 'contractList'
 */
export const listOperationId = <T extends RecordType>(type: T) => `${type}List` as const;
/**
 * The `operationId` of a record type's delta.
 * @example
 * updatedOperationId('file'); // 'fileIdListUpdated'
 */
export const updatedOperationId = <T extends RecordType>(type: T) => `${type}IdListUpdated` as const;
