import { IDEMPOTENCY_IN_PROGRESS_STATUS } from './generated/spec-data.js';

/**
 * When and how long to wait before another attempt: pure functions of the outcome, the
 * attempt number, the clock and a random number, so they are tested without timers.
 */

/**
 * How often and how long the client retries (see {@link DEFAULT_RETRY_POLICY}); `createClient`
 * takes `maxRetries` and the rest (as `retry`) separately.
 *
 * @example
 * const policy: RetryPolicy = { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 4_000, maxRetryAfterMs: 30_000 };
 * const delay = nextDelay({ kind: 'response', status: 503 }, 0, policy, Date.now()); // 0–500 ms
 */
export interface RetryPolicy {
  /** Retries after the first attempt (default 4). */
  maxRetries: number;
  /** First backoff, ms (default 250); doubles per attempt. */
  baseDelayMs: number;
  /** Longest backoff, ms (default 8000). */
  maxDelayMs: number;
  /** Longest `Retry-After` honoured, ms (default 60000); a longer one ends the retries. */
  maxRetryAfterMs: number;
}

/**
 * The retry policy of a client made without `maxRetries` or `retry`: 4 retries, backoff from
 * 250 ms up to 8 s, a `Retry-After` of up to 60 s honoured.
 *
 * @example
 * const finum = createClient({ baseUrl, payload, privateKey, retry: { ...DEFAULT_RETRY_POLICY, maxDelayMs: 2_000 } });
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

/** What an attempt ended with, as far as retrying is concerned. */
export type AttemptOutcome =
  | {
      kind: 'response';
      status: number;
      retryAfter?: string | null;
      /** The request was a POST with an `Idempotency-Key`: a 409 means its first attempt still runs (SPEC §7). */
      idempotent?: boolean;
    }
  | { kind: 'network-error' }
  | { kind: 'timeout' };

/** Statuses worth another attempt: the provider is overloaded or a gateway failed. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * `Retry-After` in milliseconds from `now`: delay-seconds or an HTTP date; `undefined`
 * when absent or unreadable.
 *
 * @example
 * parseRetryAfter('2', Date.now()); // 2000
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait before attempt `attempt + 1` (attempt counts from 0), or `undefined` when no
 * further attempt should be made. Backoff is "full jitter" (a random share of the capped
 * exponential); a `Retry-After` is a floor, never shortened by jitter.
 *
 * @example
 * nextDelay({ kind: 'response', status: 429, retryAfter: '2' }, 0, DEFAULT_RETRY_POLICY, Date.now()); // 2000
 */
export function nextDelay(
  outcome: AttemptOutcome,
  attempt: number,
  policy: RetryPolicy,
  now: number,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.maxRetries) return undefined;
  if (outcome.kind === 'response' && !RETRYABLE_STATUSES.has(outcome.status)) {
    // The same key while the first attempt (timed out here) still runs at the provider: wait for it.
    const stillRunning = outcome.idempotent && outcome.status === IDEMPOTENCY_IN_PROGRESS_STATUS;
    if (!stillRunning) return undefined;
  }
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt) * random();
  if (outcome.kind !== 'response') return backoff;
  const asked = parseRetryAfter(outcome.retryAfter, now);
  if (asked === undefined) return backoff;
  if (asked > policy.maxRetryAfterMs) return undefined;
  return asked;
}
