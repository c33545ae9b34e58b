// Without TypeBox: see key-rules.ts.

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
