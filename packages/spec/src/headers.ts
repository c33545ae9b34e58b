import Type from 'typebox';
import { ProblemError } from './problems.js';

/**
 * The HTTP headers of the API that are its own (SPEC §6–7), and the one rule for
 * `Idempotency-Key`. Names as documented; HTTP header names are case-insensitive (Node
 * and fetch give them in lower case: use `.toLowerCase()` to look them up there).
 */

/**
 * The sync watermark of `T-id-list-updated`: pass it as the next `since`.
 * @example
 * const since = response.headers.get(SYNC_UNTIL_HEADER);
 */
export const SYNC_UNTIL_HEADER = 'X-Sync-Until';

/**
 * The request header that makes a POST safe to retry (SPEC §7).
 * @example
 * fetch(url, { method: 'POST', headers: { [IDEMPOTENCY_KEY_HEADER]: crypto.randomUUID() } });
 */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/**
 * `true` on a response that replays the first response to the same `Idempotency-Key`.
 * @example
 * const replayed = response.headers.get(IDEMPOTENT_REPLAYED_HEADER) === 'true';
 */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * The `Idempotency-Key` rule (SPEC §7): 1–255 characters, scoped to the consumer, kept 24 h.
 * @example
 * key.length <= IDEMPOTENCY_KEY.maxLength;
 */
export const IDEMPOTENCY_KEY = { minLength: 1, maxLength: 255, keptForMs: 24 * 3_600_000 } as const;

/**
 * The `Idempotency-Key` header's schema (as the OpenAPI documents show it).
 * @example
 * compileCheck(IdempotencyKey)(''); // [{ field: '', message: … }]
 */
export const IdempotencyKey = Type.String({
  minLength: IDEMPOTENCY_KEY.minLength,
  maxLength: IDEMPOTENCY_KEY.maxLength,
});

/**
 * Reads the `Idempotency-Key` header as Node gives it: `undefined` when absent, the key
 * when valid; a repeated or out-of-range header is a 400 `invalid-parameter`.
 * @example
 * const key = parseIdempotencyKey(request.headers['idempotency-key']);
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const { minLength, maxLength } = IDEMPOTENCY_KEY;
  if (typeof header !== 'string' || header.length < minLength || header.length > maxLength) {
    throw new ProblemError(
      'invalid-parameter',
      `${IDEMPOTENCY_KEY_HEADER} must be one header of ${minLength}–${maxLength} characters.`,
      { errors: [{ field: IDEMPOTENCY_KEY_HEADER, message: `must be ${minLength}–${maxLength} characters` }] },
    );
  }
  return header;
}
