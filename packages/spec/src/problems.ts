import Type, { type Static } from 'typebox';
import { typed } from './primitives.js';

/**
 * The one error catalog (SPEC §2): every problem this API can answer with, its HTTP
 * status and title. Rendered as RFC 9457 `application/problem+json` in one place.
 */

/**
 * The prefix of every problem `type` (SPEC §2).
 * @example
 * problem.type.startsWith(PROBLEM_TYPE_PREFIX); // true
 */
export const PROBLEM_TYPE_PREFIX = 'urn:finum-sync:problem:';

/**
 * Every problem the API answers with: its HTTP status and title.
 * @example
 * PROBLEMS['version-conflict'].status; // 409
 */
export const PROBLEMS = {
  'missing-filter': { status: 400, title: 'A list call needs a filter' },
  'too-many-ids': { status: 400, title: 'Too many ids in one call' },
  'invalid-parameter': { status: 400, title: 'Invalid query parameter' },
  'invalid-body': { status: 400, title: 'Invalid request body' },
  'malformed-json': { status: 400, title: 'Malformed JSON' },
  'callback-url-refused': { status: 400, title: 'Callback URL refused' },
  'bad-request': { status: 400, title: 'Bad request' },
  unauthorized: { status: 401, title: 'Authentication failed' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'request-timeout': { status: 408, title: 'Request timeout' },
  'version-conflict': { status: 409, title: 'The record has moved on' },
  'transition-not-allowed': { status: 409, title: 'Status transition not allowed' },
  'data-frozen': { status: 409, title: 'Contract data can no longer be changed' },
  'idempotency-in-progress': { status: 409, title: 'A request with this Idempotency-Key is still running' },
  conflict: { status: 409, title: 'Conflict' },
  'payload-too-large': { status: 413, title: 'Request body too large' },
  'uri-too-long': { status: 414, title: 'Request line too long' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'range-not-satisfiable': { status: 416, title: 'Range not satisfiable' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency-Key reused with another request' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'headers-too-large': { status: 431, title: 'Request headers too large' },
  'internal-error': { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

/**
 * The code of a problem of the catalog.
 * @example
 * const code: ProblemCode = 'not-found';
 */
export type ProblemCode = keyof typeof PROBLEMS;

const FieldErrorSchema = Type.Object(
  {
    field: Type.String({ description: 'The field or parameter, e.g. `lastName`, `id-list`.' }),
    message: Type.String(),
    line: Type.Optional(
      Type.Integer({ minimum: 1, description: 'The line of an NDJSON import the error is on (back office).' }),
    ),
  },
  { additionalProperties: false },
);

/**
 * One invalid field of a request: its name as the consumer wrote it (`lastName`,
 * `id-list`, `''` for the whole body), what is wrong, and for an NDJSON import its line.
 * @example
 * const e: FieldError = { field: 'lastName', message: 'is required' };
 */
export type FieldError = Static<typeof FieldErrorSchema>;

const ProblemObject = Type.Object(
  {
    type: Type.String({ description: `\`${PROBLEM_TYPE_PREFIX}<code>\`; stable, for programs to branch on.` }),
    title: Type.String({ description: 'Short summary of the problem type.' }),
    status: Type.Integer({ description: 'The HTTP status code.' }),
    detail: Type.String({ description: 'What exactly is wrong with this request.' }),
    errors: Type.Optional(Type.Array(FieldErrorSchema)),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details.' },
);

/**
 * RFC 9457 problem details (SPEC §2): `type` (`urn:finum-sync:problem:<code>`), `title`,
 * `status`, `detail`, optional `errors: [{ field, message }]`, and any extension member.
 * @example
 * const p: Problem = problem('not-found', 'No contract with id c-1.');
 */
export const Problem = typed<Static<typeof ProblemObject> & { [extension: string]: unknown }>()(ProblemObject);
export type Problem = Static<typeof Problem>;

/**
 * The `type` URI of a problem code.
 * @example
 * problemType('not-found'); // 'urn:finum-sync:problem:not-found'
 */
export const problemType = (code: ProblemCode) => `${PROBLEM_TYPE_PREFIX}${code}`;

/**
 * A problem details object of the catalog, with its status and title.
 * @example
 * problem('not-found', 'No contract with id c-1.'); // { type: …, title: 'Not found', status: 404, detail: … }
 */
export function problem(code: ProblemCode, detail: string, extra: Record<string, unknown> = {}): Problem {
  const { status, title } = PROBLEMS[code];
  return { type: problemType(code), title, status, detail, ...extra };
}

/**
 * An error that is an answer: thrown anywhere (store, core, routes), rendered by the
 * server's one error handler. `headers` carries e.g. `Retry-After` or `WWW-Authenticate`.
 * @example
 * throw new ProblemError('not-found', `No contract with id ${id}.`);
 */
export class ProblemError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    code: ProblemCode,
    detail: string,
    options: { errors?: FieldError[]; extra?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.errors = options.errors;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }

  toProblem(): Problem {
    return problem(this.code, this.message, { ...(this.errors ? { errors: this.errors } : {}), ...this.extra });
  }
}

/** The generic problem for an HTTP status raised outside our code (framework, parser). */
const GENERIC_BY_STATUS: Record<number, ProblemCode> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  408: 'request-timeout',
  409: 'conflict',
  413: 'payload-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  416: 'range-not-satisfiable',
  429: 'rate-limited',
  431: 'headers-too-large',
  503: 'unavailable',
};

/**
 * The catalog's problem for an HTTP status raised outside this code (framework, parser).
 * @example
 * codeForStatus(413); // 'payload-too-large'
 */
export function codeForStatus(status: number): ProblemCode {
  return GENERIC_BY_STATUS[status] ?? (status >= 500 ? 'internal-error' : 'bad-request');
}
