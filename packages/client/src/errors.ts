import type { FieldError, Problem } from '@finum-sync/spec';
import type { SchemaViolation } from './schema-check.js';

/**
 * A field the provider named in a problem (`errors` of RFC 9457 problem+json), as the spec defines it.
 *
 * @example
 * catch (e) {
 *   if (!(e instanceof FinumProblemError)) throw e;
 *   const errors: ProblemFieldError[] = e.errors; // [{ field: 'lastName', message: 'is required' }]
 *   for (const { field, message } of errors) form.mark(field, message);
 * }
 */
export type ProblemFieldError = FieldError;

/**
 * The body of an RFC 9457 `application/problem+json` answer, as the spec defines it.
 *
 * @example
 * catch (e) {
 *   if (e instanceof FinumProblemError) {
 *     const body: ProblemBody = e.problem; // { type: 'urn:finum-sync:problem:not-found', title, status: 404, detail }
 *     if (body.type.endsWith(':not-found')) return undefined;
 *   }
 * }
 */
export type ProblemBody = Problem;

/**
 * Base class of every error the SDK throws: the request it belongs to and its id.
 *
 * @example
 * catch (e) { if (e instanceof FinumError) log.error({ requestId: e.requestId, operation: e.operation }, e.message); }
 */
export class FinumError extends Error {
  /** The `X-Request-Id` the SDK sent with the request (also in the provider's logs). */
  readonly requestId: string | undefined;
  /** `GET /v1/contract-list` and the like: the operation that failed. */
  readonly operation: string | undefined;

  constructor(message: string, options: { requestId?: string; operation?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.requestId = options.requestId;
    this.operation = options.operation;
  }
}

/**
 * The provider answered with an error (4xx/5xx): the RFC 9457 problem it sent, or one
 * made from the status when the body was not problem+json.
 *
 * @example
 * try { await client.contracts.update({ id, status: 230 }); }
 * catch (e) { if (e instanceof FinumProblemError && e.status === 409) console.log(e.detail); }
 */
export class FinumProblemError extends FinumError {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors: ProblemFieldError[];
  /** The whole problem body, extension members included. */
  readonly problem: ProblemBody;

  constructor(problem: ProblemBody, options: { requestId?: string; operation?: string } = {}) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`, options);
    this.problem = problem;
    this.type = problem.type;
    this.title = problem.title;
    this.status = problem.status;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
  }
}

/**
 * No answer: the connection failed or broke (after the retries the client was allowed).
 *
 * @example
 * catch (e) { if (e instanceof FinumNetworkError) scheduleLater(); }
 */
export class FinumNetworkError extends FinumError {}

/**
 * An attempt took longer than the client's `timeout` (after the retries it was allowed).
 *
 * @example
 * catch (e) { if (e instanceof FinumTimeoutError) console.warn(`no answer in ${e.timeoutMs} ms (${e.requestId})`); }
 */
export class FinumTimeoutError extends FinumError {
  constructor(
    readonly timeoutMs: number,
    options: { requestId?: string; operation?: string; cause?: unknown } = {},
  ) {
    super(`no answer within ${timeoutMs} ms`, options);
  }
}

/**
 * The provider's answer does not conform to the FiNUM Sync schemas (or a download to its sha256).
 *
 * @example
 * catch (e) { if (e instanceof FinumResponseError) for (const v of e.violations) console.warn(v.path, v.message); }
 */
export class FinumResponseError extends FinumError {
  constructor(
    message: string,
    readonly violations: SchemaViolation[],
    options: { requestId?: string; operation?: string } = {},
  ) {
    super(message, options);
  }
}
