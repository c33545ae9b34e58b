import type { TSchema } from 'typebox';
import { DOC_EXAMPLES, REQUEST_EXAMPLES } from './examples.js';
import type { ProblemCode } from './problems.js';
import { LIST_FILTERS, MAX_IDS_PER_CALL } from './read-params.js';
import { RECORD_TYPES, type RecordType, schemaName } from './records.js';

/**
 * Every endpoint of SPEC §6–7 as data. The server registers its handlers by
 * `operationId`; the OpenAPI document is emitted from this table; the validator walks it.
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';
export type Security = 'consumer' | 'public' | 'admin';

export interface ParamDef {
  readonly name: string;
  readonly in: 'query' | 'header' | 'path';
  readonly required?: boolean;
  readonly schema: TSchema | { $ref: string };
  readonly description: string;
  readonly example?: unknown;
  readonly style?: 'form';
  readonly explode?: boolean;
}

export interface HeaderDef {
  readonly description: string;
  readonly schema: TSchema | { type: string; format?: string; pattern?: string };
}

export interface ResponseDef {
  readonly description: string;
  readonly content?: Readonly<Record<string, { schema: TSchema | { $ref: string }; example?: unknown }>>;
  readonly headers?: Readonly<Record<string, HeaderDef>>;
}

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
    readonly content: Readonly<Record<string, { schema: TSchema | { $ref: string }; example?: unknown }>>;
  };
  readonly responses: Readonly<Record<number, ResponseDef>>;
  /** Problems this operation answers with besides those every secured operation may give. */
  readonly problems: readonly ProblemCode[];
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const json = (schema: TSchema | { $ref: string }, example?: unknown) => ({
  'application/json': example === undefined ? { schema } : { schema, example },
});

/** Problems any operation that needs a consumer token may answer with. */
export const SECURED_PROBLEMS: readonly ProblemCode[] = ['unauthorized', 'rate-limited', 'unavailable'];

export const SYNC_UNTIL_HEADER = 'X-Sync-Until';

const idListParam = (type: RecordType): ParamDef => ({
  name: 'id-list',
  in: 'query',
  // No maxLength: spaces, empty entries and duplicates are tolerated, so the text of 1,000 ids
  // has no fixed bound below the request line limit (64 KiB, SPEC §6).
  schema: { type: 'string', pattern: '^[A-Za-z0-9_, -]*$' } as TSchema,
  description: `Comma-separated ids, at most ${MAX_IDS_PER_CALL} per call. Empty entries, duplicates and spaces around ids are ignored; an invalid id is a 400. Ids the consumer may not see are left out, exactly like ids that do not exist.`,
  example: DOC_EXAMPLES.idList[type].join(','),
});

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

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function listOperation(type: RecordType): OperationDef {
  const t = TITLES[type];
  const filters = LIST_FILTERS[type];
  return {
    operationId: `${camel(type)}List`,
    method: 'GET',
    path: `/v1/${type}-list`,
    tag: t.many,
    summary: `Get ${t.many} by id${filters.length ? ` or ${filters.map((f) => f.param.replace('-id', '')).join(' / ')}` : ''}`,
    description: [
      `Returns the visible ${t.many} among the given ids (visibility: ${VISIBILITY[type]}), each once, tombstones (\`deleted: true\`) included, in the order the ids were given.`,
      `Exactly one filter per call: ${['`id-list`', ...filters.map((f) => `\`${f.param}\``)].join(' or ')}. A call without a filter is a 400 — lists are always bounded; use \`${type}-id-list-updated\` to learn ids.`,
    ].join('\n\n'),
    security: 'consumer',
    parameters: [
      idListParam(type),
      ...filters.map(
        (f): ParamDef => ({
          name: f.param,
          in: 'query',
          schema: f.isId ? ref('Id') : ({ type: 'string', minLength: 1, maxLength: 255 } as TSchema),
          description: `${f.description} Instead of \`id-list\`, not with it (clear \`id-list\` in Try it out), e.g. \`${FILTER_EXAMPLES[f.param]}\` in the demo data.`,
        }),
      ),
    ],
    responses: {
      200: {
        description: `The matching ${t.many}.`,
        content: json({ type: 'array', items: ref(schemaName(type)) } as TSchema),
      },
    },
    problems: ['missing-filter', 'too-many-ids', 'invalid-parameter', 'headers-too-large'],
  };
}

function updatedOperation(type: RecordType): OperationDef {
  const t = TITLES[type];
  return {
    operationId: `${camel(type)}IdListUpdated`,
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
        schema: { type: 'string', format: 'date-time' } as TSchema,
        description:
          'RFC 3339 timestamp (any offset; pass `X-Sync-Until` as it is); inclusive. Unparsable, or more than 60 s ahead of the provider’s clock, is a 400.',
        example: DOC_EXAMPLES.since,
      },
    ],
    responses: {
      200: {
        description: `Ids of the ${t.many} changed at or after \`since\`, in no particular order.`,
        content: json(ref('IdList'), DOC_EXAMPLES.idList[type]),
        headers: {
          [SYNC_UNTIL_HEADER]: {
            description: 'The watermark: pass it as the next `since` to miss no change.',
            schema: ref('Timestamp') as unknown as TSchema,
          },
        },
      },
    },
    problems: ['invalid-parameter'],
  };
}

const idempotencyKey: ParamDef = {
  name: 'Idempotency-Key',
  in: 'header',
  schema: { type: 'string', minLength: 1, maxLength: 255 } as TSchema,
  description:
    'Optional, 1–255 characters, scoped to the consumer, kept 24 h. The same key with the same body replays the first response (same id and status); with another body it is a 422; while the first request still runs, a 409.',
};

const writeProblems: ProblemCode[] = [
  'invalid-body',
  'malformed-json',
  'payload-too-large',
  'unsupported-media-type',
  'idempotency-key-reused',
  'idempotency-in-progress',
];

const patchProblems: ProblemCode[] = [
  'invalid-body',
  'malformed-json',
  'payload-too-large',
  'unsupported-media-type',
  'not-found',
  'version-conflict',
];

const replayHeader: Record<string, HeaderDef> = {
  'Idempotent-Replayed': {
    description: '`true` when this response replays the first response to the same `Idempotency-Key`.',
    schema: { type: 'string' },
  },
};

function writeOperations(): OperationDef[] {
  const contractFlow =
    'See the status table in the `Contract` schema: consumers create with 100 or 120 (default) and may move 100/110/130 → 120, 130 → 230 and 100/110/120/130 → 190. Data fields can be changed only while the status is below 200.';
  return [
    {
      operationId: 'clientCreate',
      method: 'POST',
      path: '/v1/client',
      tag: 'clients',
      summary: 'Create a client',
      description:
        'Creates a client of the consumer. Persons need `lastName`, companies `companyName`. Unknown fields without `_` and read-only fields are a 400 naming them.',
      security: 'consumer',
      parameters: [idempotencyKey],
      requestBody: {
        description: 'The client’s data.',
        content: json(ref('ClientCreate'), REQUEST_EXAMPLES.clientCreate),
      },
      responses: { 201: { description: 'The created client.', content: json(ref('Client')), headers: replayHeader } },
      problems: writeProblems,
    },
    {
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
        content: json(ref('ClientPatch'), REQUEST_EXAMPLES.clientUpdate),
      },
      responses: { 200: { description: 'The changed client.', content: json(ref('Client')) } },
      problems: patchProblems,
    },
    {
      operationId: 'contractCreate',
      method: 'POST',
      path: '/v1/contract',
      tag: 'contracts',
      summary: 'Create a contract (ask for a proposal)',
      description: `Creates a contract for one of the consumer’s clients with status 100 (draft) or 120 (create proposal, the default). When a field of the product’s \`requiredFields\` is missing, the provider answers with status 110 and names the missing fields in \`statusNote\`. A \`callbackUrl\` is called once, at the contract’s next status change made by the provider (not at changes the consumer makes itself).\n\n${contractFlow}`,
      security: 'consumer',
      parameters: [idempotencyKey],
      requestBody: {
        description:
          'The contract’s data. Add `callbackUrl` (https) to be called at the provider’s next status change.',
        content: json(ref('ContractCreate'), REQUEST_EXAMPLES.contractCreate),
      },
      responses: {
        201: { description: 'The created contract.', content: json(ref('Contract')), headers: replayHeader },
      },
      problems: [...writeProblems, 'callback-url-refused'],
    },
    {
      operationId: 'contractUpdate',
      method: 'PATCH',
      path: '/v1/contract',
      tag: 'contracts',
      summary: 'Change a contract or its status',
      description: `Partial update of a contract: data fields (only while the status is below 200), \`status\` (only the consumer transitions), and a one-shot \`callbackUrl\`. A forbidden transition is a 409 naming the allowed ones.\n\n${contractFlow}`,
      security: 'consumer',
      requestBody: {
        description: '`id`, optional `version`, `status`, `callbackUrl` and the fields to change.',
        content: json(ref('ContractPatch'), REQUEST_EXAMPLES.contractUpdate),
      },
      responses: { 200: { description: 'The changed contract.', content: json(ref('Contract')) } },
      problems: [...patchProblems, 'transition-not-allowed', 'data-frozen', 'callback-url-refused'],
    },
    {
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
        content: {
          'multipart/form-data': {
            schema: ref('FileUpload'),
          },
        },
      },
      responses: { 201: { description: 'The file record.', content: json(ref('File')), headers: replayHeader } },
      problems: [...writeProblems, 'not-found'],
    },
  ];
}

export const OPERATIONS: readonly OperationDef[] = [
  {
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
        content: json(ref('AuthStatus'), {
          authenticated: true,
          consumerId: 'demo',
          tokenExpiresAt: '2026-11-23T11:15:30.000Z',
        }),
      },
    },
    problems: [],
  },
  ...RECORD_TYPES.flatMap((type) => [listOperation(type), updatedOperation(type)]),
  {
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
        schema: ref('Id'),
        description: 'The file id.',
        example: DOC_EXAMPLES.fileId,
      },
      {
        name: 'Range',
        in: 'header',
        schema: { type: 'string', pattern: '^bytes=' } as TSchema,
        description: 'One byte range, e.g. `bytes=0-1023`.',
      },
      {
        name: 'If-None-Match',
        in: 'header',
        schema: { type: 'string' } as TSchema,
        description: 'The ETag of a copy the consumer has; 304 when it is current.',
      },
    ],
    responses: {
      200: {
        description: 'The file’s bytes, with the file’s `mimeType` as `Content-Type`.',
        content: { '*/*': { schema: { type: 'string', format: 'binary' } as TSchema } },
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
        content: { '*/*': { schema: { type: 'string', format: 'binary' } as TSchema } },
        headers: {
          'Content-Range': { description: 'The range sent, e.g. `bytes 0-1023/4096`.', schema: { type: 'string' } },
        },
      },
      304: { description: 'Not modified: the `If-None-Match` ETag is current.' },
    },
    problems: ['invalid-parameter', 'not-found', 'range-not-satisfiable'],
  },
  ...writeOperations(),
  {
    operationId: 'demoCredentials',
    method: 'GET',
    path: '/demo/credentials',
    tag: 'demo',
    summary: 'The demo consumer’s credentials',
    description:
      'Public by design: the JWT payload, private key and callback secret of the demo consumer, for trying the API. Absent (404) when the provider runs with `DEMO=off`.',
    security: 'public',
    responses: { 200: { description: 'The demo credentials.', content: json(ref('DemoCredentials')) } },
    problems: ['not-found'],
  },
  {
    operationId: 'healthz',
    method: 'GET',
    path: '/healthz',
    tag: 'operations',
    summary: 'Liveness',
    description: 'Answers 200 while the process runs.',
    security: 'public',
    responses: { 200: { description: 'Alive.', content: json(ref('Health')) } },
    problems: [],
  },
  {
    operationId: 'readyz',
    method: 'GET',
    path: '/readyz',
    tag: 'operations',
    summary: 'Readiness',
    description: 'Answers 200 when the database answers, 503 otherwise.',
    security: 'public',
    responses: { 200: { description: 'Ready to serve.', content: json(ref('Health')) } },
    problems: ['unavailable'],
  },
];

export const operationById = (id: string): OperationDef => {
  const op = OPERATIONS.find((o) => o.operationId === id);
  if (!op) throw new Error(`unknown operation ${id}`);
  return op;
};

export const listOperationId = (type: RecordType) => `${camel(type)}List`;
export const updatedOperationId = (type: RecordType) => `${camel(type)}IdListUpdated`;
