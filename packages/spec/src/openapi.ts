import { AuthStatus, SIGNING_ALGORITHMS, TOKEN_RULES } from './auth.js';
import { CALLBACK_EVENT_TYPE, CallbackEvent, WEBHOOK_HEADERS } from './callbacks.js';
import { SYNC_UNTIL_HEADER } from './headers.js';
import { CONTRACT_STATUS_CODES, CONTRACT_STATUSES, ContractStatus, type StatusDef } from './lifecycle.js';
import { ONBOARDING_OPERATIONS, onboardingComponentSchemas } from './onboarding.js';
import {
  DemoCredentials,
  FileUpload,
  Health,
  OPERATIONS,
  type OperationDef,
  ref,
  SECURED_PROBLEMS,
} from './operations.js';
import { Id, IdList, Timestamp, wordList } from './primitives.js';
import { PROBLEM_TYPE_PREFIX, PROBLEMS, Problem, type ProblemCode, problem } from './problems.js';
import { MAX_IDS_PER_CALL } from './read-params.js';
import {
  ClientCreate,
  ClientPatch,
  Contract,
  ContractCreate,
  ContractPatch,
  RECORD_SCHEMAS,
  RECORD_TYPES,
  schemaName,
} from './records.js';

/**
 * Version of the FiNUM Sync API contract this document describes.
 * @example
 * buildOpenApi().info.version === API_VERSION; // true
 */
export const API_VERSION = '1.0.0';

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
  'request-timeout': 'The request did not arrive whole within REQUEST_TIMEOUT; the connection is closed.',
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
  return withRefs({
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
  });
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

**Authentication.** Every \`/v1\` endpoint except these docs needs \`Authorization: Bearer <JWT>\`. The consumer signs the JWT with its private key (${wordList(
  SIGNING_ALGORITHMS.map((alg) => `\`${alg}\``),
  'or',
)}); the provider verifies it with the consumer's registered public key. Claims: \`sub\` (the consumer id), \`aud\` (the provider's audience), \`exp\` (at most ${TOKEN_RULES.maxLifetimeS / 3600} h ahead by default), optional \`iat\`, \`nbf\`; header \`kid\` picks one of several keys. Clock skew tolerance: ${TOKEN_RULES.clockSkewS} s. Click **Authorize**, paste the token, then try \`auth-status\`.

**Records** are flat: every field is a scalar or \`null\` (only \`requiredFields\` and \`fileIdList\` are arrays). Every record has \`id\`, \`createdAt\`, \`updatedAt\`, \`version\` and \`deleted\`; removed records stay as tombstones with \`deleted: true\`. Fields starting with \`_\` are provider extensions; ignore those you do not know. A stored record, \`_\` fields included, is at most 64 KiB of JSON: a write that would make it bigger is a \`413\`.

**Sync.** Call \`T-id-list-updated?since=\` then \`T-list?id-list=\` for every record type; pass the \`${SYNC_UNTIL_HEADER}\` header as the next \`since\`. No pagination: up to ${MAX_IDS_PER_CALL} ids per list call; 50,000 ids per delta call.

**Errors** are RFC 9457 \`application/problem+json\` with a stable \`type\` (\`${PROBLEM_TYPE_PREFIX}<code>\`), the HTTP \`status\`, a \`detail\` that says what is wrong and, for invalid fields, \`errors: [{ field, message }]\`. A request must arrive whole within the provider's \`REQUEST_TIMEOUT\` (60 s by default); a stalled one is answered \`408\` where an answer can still be sent, and its connection is closed.

**Contract status codes** (bold: fixed by the published FiNUM flow):

${statusTable()}

**Callbacks** are described under *Webhooks*: signed per the Standard Webhooks specification, delivered at least once with retries for 3 days.`;

/**
 * The schemas that are components of the OpenAPI document, by component name; the
 * document refers to them with `$ref`, wherever an operation or another component uses them.
 */
const NAMED_SCHEMAS: ReadonlyArray<readonly [string, object]> = [
  ['Id', Id],
  ['Timestamp', Timestamp],
  ['IdList', IdList],
  ['ContractStatus', ContractStatus],
  ...RECORD_TYPES.map((type) => [schemaName(type), RECORD_SCHEMAS[type]] as const),
  ['ClientCreate', ClientCreate],
  ['ClientPatch', ClientPatch],
  ['ContractCreate', ContractCreate],
  ['ContractPatch', ContractPatch],
  ['FileUpload', FileUpload],
  ['Problem', Problem],
  ['AuthStatus', AuthStatus],
  ['DemoCredentials', DemoCredentials],
  ['Health', Health],
  ['CallbackEvent', CallbackEvent],
];
const componentNames = new Map<unknown, string>(NAMED_SCHEMAS.map(([name, schema]) => [schema, name]));

/** A copy of `node` in which every component schema (below the root) is a `$ref` to it. */
function withRefs(node: unknown, root = true): unknown {
  const name = root ? undefined : componentNames.get(node);
  if (name) return ref(name);
  if (Array.isArray(node)) return node.map((item) => withRefs(item, false));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, withRefs(value, false)]));
  }
  return node;
}

/**
 * The component schemas of the OpenAPI document (`#/components/schemas`).
 * @example
 * Object.keys(componentSchemas()).includes('ContractPatch'); // true
 */
export function componentSchemas(): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of NAMED_SCHEMAS) schemas[name] = withRefs(schema);
  // The document shows the status table once, on the ContractStatus component.
  schemas.ContractStatus = {
    type: 'integer',
    ...ContractStatus,
    description: `Contract lifecycle status:\n\n${statusTable()}`,
  };
  schemas.Contract = {
    ...(schemas.Contract as object),
    properties: { ...Contract.properties, status: ref('ContractStatus') },
  };
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

/** The OpenAPI `paths` object of these operations (shared with the back office's document). */
export function paths(operations: readonly OperationDef[]) {
  const out: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    out[op.path] ??= {};
    out[op.path]![op.method.toLowerCase()] = operationObject(op);
  }
  return out;
}

/** The documents' license. */
export const license = { name: 'MIT', identifier: 'MIT' };

/**
 * The OpenAPI 3.1 document of the FiNUM Sync API, emitted from the operations map; committed as `openapi.json`.
 * @example
 * const doc = buildOpenApi(); Object.keys(doc.paths).includes('/v1/contract-list'); // true
 */
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
              name: WEBHOOK_HEADERS.id,
              in: 'header',
              required: true,
              schema: { type: 'string' },
              description: 'Unique per event.',
            },
            {
              name: WEBHOOK_HEADERS.timestamp,
              in: 'header',
              required: true,
              schema: { type: 'string' },
              description: 'Seconds since the epoch.',
            },
            {
              name: WEBHOOK_HEADERS.signature,
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
          description: `A JWT signed with the consumer’s private key (${wordList(SIGNING_ALGORITHMS, 'or')}). Claims: \`sub\` = consumer id, \`aud\` = the provider’s audience, \`exp\` ≤ ${TOKEN_RULES.maxLifetimeS / 3600} h ahead, optional \`iat\`/\`nbf\`; header \`kid\` picks a key.`,
        },
      },
    },
  };
}
