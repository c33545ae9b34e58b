import Type, { type TSchema } from 'typebox';
import { ADMIN_SESSION_COOKIE, CSRF_HEADER } from './admin-console.js';
import { ADMIN_OPERATIONS, adminComponentSchemas } from './admin-operations.js';
import { REQUEST_EXAMPLES } from './examples.js';
import { CONTRACT_STATUS_CODES, CONTRACT_STATUSES, type StatusDef } from './lifecycle.js';
import { ONBOARDING_OPERATIONS, onboardingComponentSchemas } from './onboarding.js';
import { OPERATIONS, type OperationDef, ref, SECURED_PROBLEMS } from './operations.js';
import { Id, Timestamp } from './primitives.js';
import { PROBLEM_TYPE_PREFIX, PROBLEMS, type ProblemCode, problem } from './problems.js';
import { MAX_IDS_PER_CALL } from './read-params.js';
import { createSchema, FILE_CATEGORIES, patchSchema, RECORD_TYPES, recordSchema, schemaName } from './records.js';

/** Version of the FiNUM Sync API contract this document describes. */
export const API_VERSION = '1.0.0';

export const CALLBACK_EVENT_TYPE = 'contract.status-changed';

/**
 * Who made a contract's status change, as a callback event says (SPEC §8): the provider
 * (back office, import, its own systems) or the consumer with its own write (including the
 * provider's immediate 110 answer to a proposal request that misses data).
 */
export const STATUS_CHANGERS = ['provider', 'consumer'] as const;
export type StatusChanger = (typeof STATUS_CHANGERS)[number];

const EXAMPLE_DETAILS: Record<ProblemCode, string> = {
  'missing-filter': "contract-list needs a filter: 'id-list' or 'holder-id'.",
  'too-many-ids': `id-list holds more than the maximum of ${MAX_IDS_PER_CALL} distinct ids per call; split it into several calls.`,
  'invalid-parameter': "since 'yesterday' is not an RFC 3339 timestamp such as 2026-11-23T10:15:30.123Z.",
  'invalid-body': 'The body has 1 invalid field: lastName is required.',
  'malformed-json': 'The body is not valid JSON: Unexpected token } in JSON at position 17.',
  'callback-url-refused': 'callbackUrl must use https.',
  'bad-request': 'The request could not be understood.',
  unauthorized: 'The token has expired (exp 2026-11-23T10:15:30.000Z).',
  forbidden: 'This needs an administrator.',
  'not-found': 'No contract with id c-1001.',
  'method-not-allowed': 'DELETE is not allowed on /v1/contract.',
  'version-conflict': 'The contract is at version 4, the change was based on version 3.',
  'transition-not-allowed': 'A consumer cannot move a contract from 320 to 190; from 320 it may move to: none.',
  'data-frozen': 'The contract is at status 230; its data can be changed only below 200.',
  'idempotency-in-progress': 'A request with this Idempotency-Key is still running; retry later.',
  conflict: 'The request conflicts with the current state.',
  'payload-too-large': 'The body exceeds the limit of 1048576 bytes.',
  'uri-too-long': 'The request line exceeds 65536 bytes.',
  'unsupported-media-type': "Content-Type 'text/plain' is not accepted; send application/json.",
  'range-not-satisfiable': 'The range bytes=5000- lies outside the file of 4096 bytes.',
  'idempotency-key-reused': 'This Idempotency-Key was used with another request body.',
  'rate-limited': 'More than 6000 requests a minute; retry after 12 s.',
  'headers-too-large': 'The request headers are too large.',
  'internal-error': 'An unexpected error occurred; it has been logged with the request id.',
  unavailable: 'The database does not answer.',
};

const PROBLEM_HEADERS: Partial<Record<number, Record<string, unknown>>> = {
  401: {
    'WWW-Authenticate': {
      description: '`Bearer` with `error="invalid_token"` and the reason.',
      schema: { type: 'string' },
    },
  },
  429: { 'Retry-After': { description: 'Seconds to wait before the next request.', schema: { type: 'integer' } } },
  503: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } },
};

function problemResponses(codes: readonly ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of codes) {
    const { status } = PROBLEMS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const examples: Record<string, unknown> = {};
    for (const code of list) {
      examples[code] = { summary: PROBLEMS[code].title, value: problem(code, EXAMPLE_DETAILS[code]) };
    }
    out[String(status)] = {
      description: list.map((c) => PROBLEMS[c].title).join('; '),
      ...(PROBLEM_HEADERS[status] ? { headers: PROBLEM_HEADERS[status] } : {}),
      content: { 'application/problem+json': { schema: ref('Problem'), examples } },
    };
  }
  return out;
}

const SECURITY = {
  consumer: [{ bearerAuth: [] }],
  admin: [{ adminAuth: [] }, { adminSession: [] }],
  public: [],
} as const;

function operationObject(op: OperationDef) {
  const problems = op.security === 'consumer' ? [...SECURED_PROBLEMS, ...op.problems] : op.problems;
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(op.responses)) responses[status] = r;
  Object.assign(responses, problemResponses(problems));
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    description: op.description,
    security: SECURITY[op.security],
    ...(op.parameters?.length
      ? {
          parameters: op.parameters.map((p) => ({
            name: p.name,
            in: p.in,
            required: p.in === 'path' ? true : (p.required ?? false),
            description: p.description,
            schema: p.schema,
            ...(p.example !== undefined ? { example: p.example } : {}),
          })),
        }
      : {}),
    ...(op.requestBody ? { requestBody: { required: true, ...op.requestBody } } : {}),
    responses,
  };
}

const statusTable = () =>
  [
    '| code | meaning | set by | consumer may move to |',
    '|---|---|---|---|',
    ...CONTRACT_STATUS_CODES.map((code) => {
      const s = CONTRACT_STATUSES[code] as StatusDef;
      const to = s.consumerMayMoveTo.length ? s.consumerMayMoveTo.join(', ') : '—';
      return `| ${s.fixed ? `**${code}**` : code} | ${s.label} | ${s.setBy} | ${to} |`;
    }),
  ].join('\n');

const DESCRIPTION = `The FiNUM Sync API: a simple REST standard with which insurers and other financial providers share contracts, clients, products, users and documents with brokers' software.

**Authentication.** Every \`/v1\` endpoint except these docs needs \`Authorization: Bearer <JWT>\`. The consumer signs the JWT with its private key (\`RS256\`, \`PS256\`, \`ES256\` or \`EdDSA\`); the provider verifies it with the consumer's registered public key. Claims: \`sub\` (the consumer id), \`aud\` (the provider's audience), \`exp\` (at most 1 h ahead by default), optional \`iat\`, \`nbf\`; header \`kid\` picks one of several keys. Clock skew tolerance: 60 s. Click **Authorize**, paste the token, then try \`auth-status\`.

**Records** are flat: every field is a scalar or \`null\` (only \`requiredFields\` and \`fileIdList\` are arrays). Every record has \`id\`, \`createdAt\`, \`updatedAt\`, \`version\` and \`deleted\`; removed records stay as tombstones with \`deleted: true\`. Fields starting with \`_\` are provider extensions; ignore those you do not know.

**Sync.** Call \`T-id-list-updated?since=\` then \`T-list?id-list=\` for every record type; pass the \`X-Sync-Until\` header as the next \`since\`. No pagination: up to ${MAX_IDS_PER_CALL} ids per list call; 50,000 ids per delta call.

**Errors** are RFC 9457 \`application/problem+json\` with a stable \`type\` (\`${PROBLEM_TYPE_PREFIX}<code>\`), the HTTP \`status\`, a \`detail\` that says what is wrong and, for invalid fields, \`errors: [{ field, message }]\`.

**Contract status codes** (bold: fixed by the published FiNUM flow):

${statusTable()}

**Callbacks** are described under *Webhooks*: signed per the Standard Webhooks specification, delivered at least once with retries for 3 days.`;

const problemSchema = Type.Object(
  {
    type: Type.String({ description: `\`${PROBLEM_TYPE_PREFIX}<code>\`; stable, for programs to branch on.` }),
    title: Type.String({ description: 'Short summary of the problem type.' }),
    status: Type.Integer({ description: 'The HTTP status code.' }),
    detail: Type.String({ description: 'What exactly is wrong with this request.' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object(
          {
            field: Type.String({ description: 'The field or parameter, e.g. `lastName`, `id-list`.' }),
            message: Type.String(),
            line: Type.Optional(
              Type.Integer({ minimum: 1, description: 'The line of an NDJSON import the error is on (back office).' }),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details.' },
);

export function componentSchemas(): Record<string, unknown> {
  const schemas: Record<string, unknown> = {
    Id,
    Timestamp,
    IdList: Type.Array(ref('Id') as unknown as TSchema, { description: 'Record ids.' }),
    ContractStatus: {
      type: 'integer',
      enum: CONTRACT_STATUS_CODES,
      description: `Contract lifecycle status:\n\n${statusTable()}`,
    },
  };
  for (const type of RECORD_TYPES) {
    schemas[schemaName(type)] = recordSchema(type);
  }
  const contract = schemas.Contract as { properties: Record<string, unknown> };
  contract.properties.status = { $ref: '#/components/schemas/ContractStatus' };
  schemas.ClientCreate = createSchema('client');
  schemas.ClientPatch = patchSchema('client');
  schemas.ContractCreate = createSchema('contract');
  schemas.ContractPatch = patchSchema('contract');
  schemas.FileUpload = Type.Object(
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
  );
  schemas.Problem = problemSchema;
  schemas.AuthStatus = Type.Object(
    {
      authenticated: Type.Literal(true),
      consumerId: Type.String({ description: 'The consumer the token belongs to (`sub`).' }),
      tokenExpiresAt: { ...Timestamp, description: 'The token’s `exp`.' },
    },
    { additionalProperties: false },
  );
  schemas.DemoCredentials = Type.Object(
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
  schemas.Health = Type.Object({ status: Type.String() }, { additionalProperties: true });
  schemas.CallbackEvent = Type.Object(
    {
      type: Type.Literal(CALLBACK_EVENT_TYPE),
      contractId: ref('Id') as unknown as TSchema,
      status: ref('ContractStatus') as unknown as TSchema,
      previousStatus: Type.Union([ref('ContractStatus') as unknown as TSchema, Type.Null()]),
      changedBy: Type.Union(
        STATUS_CHANGERS.map((by) => Type.Literal(by)),
        {
          description:
            '`provider` when the provider changed the status; `consumer` when the consumer’s own write did (only the standing callback URL is told of those).',
        },
      ),
      occurredAt: ref('Timestamp') as unknown as TSchema,
    },
    { additionalProperties: false },
  );
  return schemas;
}

const TAGS = [
  ['auth', 'Check a token.'],
  ['contracts', 'Contracts: read, sync, create, change status.'],
  ['clients', 'Clients of the consumer: read, sync, create, change.'],
  ['products', 'Products of the provider (visible to every consumer).'],
  ['users', 'People at the consumer’s organisation known to the provider.'],
  ['files', 'Documents attached to contracts, clients and products.'],
  ['demo', 'The public demo consumer.'],
  ['onboarding', 'Apply for credentials (the `/onboarding/` form) and follow the application.'],
  ['operations', 'Health checks for load balancers and orchestrators.'],
] as const;

function paths(operations: readonly OperationDef[]) {
  const out: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    out[op.path] ??= {};
    out[op.path]![op.method.toLowerCase()] = operationObject(op);
  }
  return out;
}

const license = { name: 'MIT', identifier: 'MIT' };

const ADMIN_DESCRIPTION = `The provider's back office of a finum-sync server: what the provider's own systems do — import records, set contract statuses, attach documents, see what waits for them and how callbacks went. Every endpoint needs \`Authorization: Bearer <ADMIN_TOKEN>\` (programs, the CLI) or the session cookie of \`POST /admin/api/session\` (the \`/admin/\` pages), which also needs the session's CSRF token in \`${CSRF_HEADER}\` on every state-changing request; consumer tokens are refused. Errors are RFC 9457 \`application/problem+json\` as in the consumer API. The records are those of the FiNUM Sync API (\`/v1/openapi.json\`).`;

/** Keeps the component schemas the document references (directly or through others). */
function referencedSchemas(document: unknown, schemas: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        const name =
          key === '$ref' && typeof value === 'string' ? value.replace('#/components/schemas/', '') : undefined;
        if (name && schemas[name] && !kept[name]) {
          kept[name] = schemas[name];
          visit(schemas[name]);
        } else visit(value);
      }
    }
  };
  visit(document);
  return kept;
}

/** The OpenAPI 3.1 document of the provider's back office (`/admin/api`). */
export function buildAdminOpenApi(): Record<string, unknown> {
  const operations = paths(ADMIN_OPERATIONS);
  return {
    openapi: '3.1.0',
    info: { title: 'finum-sync provider back office', version: API_VERSION, description: ADMIN_DESCRIPTION, license },
    servers: [{ url: '/', description: 'This provider' }],
    tags: [
      { name: 'back office', description: 'Records and contracts, as the provider’s systems change them.' },
      { name: 'callbacks', description: 'Callback deliveries and their attempts.' },
      { name: 'session', description: 'Sign-in of the `/admin/` pages.' },
      { name: 'applications', description: 'Onboarding applications: approve or reject.' },
      { name: 'consumers', description: 'Consumers: disable, enable, keys, callback secret.' },
    ],
    security: [{ adminAuth: [] }],
    paths: operations,
    components: {
      schemas: referencedSchemas(operations, {
        ...componentSchemas(),
        ...onboardingComponentSchemas(),
        ...adminComponentSchemas(),
      }),
      securitySchemes: {
        adminAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'The provider’s `ADMIN_TOKEN`.',
        },
        adminSession: {
          type: 'apiKey',
          in: 'cookie',
          name: ADMIN_SESSION_COOKIE,
          description: `The session of \`POST /admin/api/session\`; state-changing requests also need \`${CSRF_HEADER}\`.`,
        },
      },
    },
  };
}

/** The OpenAPI 3.1 document of the FiNUM Sync API, emitted from the operations table. */
export function buildOpenApi(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'FiNUM Sync API',
      version: API_VERSION,
      description: DESCRIPTION,
      license,
    },
    servers: [{ url: '/', description: 'This provider' }],
    tags: TAGS.map(([name, description]) => ({ name, description })),
    security: [{ bearerAuth: [] }],
    paths: paths([...OPERATIONS, ...ONBOARDING_OPERATIONS]),
    webhooks: {
      [CALLBACK_EVENT_TYPE]: {
        post: {
          operationId: 'contractStatusChanged',
          tags: ['contracts'],
          summary: 'A contract’s status changed',
          description:
            'Sent to the one-shot `callbackUrl` of a contract — once, at the contract’s next status change **made by the provider** (a change the consumer makes itself, with that write or a later one, does not use it; give a new URL with the next write) — and to the consumer’s standing callback URL (set at onboarding), at **every** status change, with `changedBy` saying whose it was. Signed per Standard Webhooks: verify `webhook-signature` (`v1,` + base64 HMAC-SHA256 over `webhook-id.webhook-timestamp.body` with the callback secret) and de-duplicate by `webhook-id`, which stays the same across retries. Any non-2xx answer or a 10 s timeout is retried with exponential backoff for 3 days; `410 Gone` stops retries for that URL. Then fetch the contract with `contract-list?id-list=`.',
          parameters: [
            {
              name: 'webhook-id',
              in: 'header',
              required: true,
              schema: { type: 'string' },
              description: 'Unique per event.',
            },
            {
              name: 'webhook-timestamp',
              in: 'header',
              required: true,
              schema: { type: 'string' },
              description: 'Seconds since the epoch.',
            },
            {
              name: 'webhook-signature',
              in: 'header',
              required: true,
              schema: { type: 'string' },
              description: 'Space-separated `v1,<base64>` signatures.',
            },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: ref('CallbackEvent') } } },
          responses: {
            200: { description: 'Received (any 2xx).' },
            410: { description: 'Gone: stop calling this URL.' },
          },
        },
      },
    },
    components: {
      schemas: { ...componentSchemas(), ...onboardingComponentSchemas() },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A JWT signed with the consumer’s private key (RS256, PS256, ES256 or EdDSA). Claims: `sub` = consumer id, `aud` = the provider’s audience, `exp` ≤ 1 h ahead, optional `iat`/`nbf`; header `kid` picks a key.',
        },
      },
    },
  };
}
