import Type from 'typebox';
import { IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_HEADER } from './header-names.js';
import { ProblemError } from './problems.js';

/**
 * The HTTP headers of the API that are its own (SPEC §6–7), and the one rule for
 * `Idempotency-Key`. Names as documented; HTTP header names are case-insensitive (Node
 * and fetch give them in lower case: use `.toLowerCase()` to look them up there).
 */

export {
  IDEMPOTENCY_KEY,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  SYNC_UNTIL_HEADER,
} from './header-names.js';

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
 * Reads the `Idempotency-Key` header from request headers as Node gives them (lower-case
 * names): `undefined` when absent, the key when valid; a repeated or out-of-range header is
 * a 400 `invalid-parameter`.
 * @example
 * const key = parseIdempotencyKey(request.headers);
 */
export function parseIdempotencyKey(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  const header = headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()];
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
