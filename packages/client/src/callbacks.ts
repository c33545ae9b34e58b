import { Webhook } from 'standardwebhooks';
import { FinumError } from './errors.js';
import { SCHEMAS, WEBHOOK_HEADERS } from './generated/spec-data.js';
import { checkSchema } from './schema-check.js';
import type { CallbackEvent } from './types.js';

/**
 * A callback that must not be acted on: bad signature, stale timestamp, missing headers, unreadable body.
 *
 * @example
 * catch (e) { if (e instanceof CallbackVerificationError) res.sendStatus(400); }
 */
export class CallbackVerificationError extends FinumError {}

/**
 * The headers of a callback request as a framework hands them over: a Fetch API `Headers`
 * (edge runtimes, `Request.headers`) or Node's `IncomingHttpHeaders`-style record (names
 * compared case-insensitively; of a repeated header the first value counts).
 *
 * @example
 * const headers: CallbackHeaders = {
 *   'webhook-id': 'msg_2Kq9',
 *   'webhook-timestamp': '1767225600',
 *   'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
 * };
 */
export type CallbackHeaders = Headers | Record<string, string | string[] | undefined>;

/**
 * The options of {@link verifyCallback}: the accepted clock skew and the clock.
 *
 * @example
 * const options: VerifyOptions = { toleranceSeconds: 60 };
 * const { event } = verifyCallback(rawBody, headers, secret, options);
 */
export interface VerifyOptions {
  /** How far the `webhook-timestamp` may be from now, seconds (default 300, the Standard Webhooks default). */
  toleranceSeconds?: number;
  /** The clock, epoch ms (default `Date.now`). */
  now?: () => number;
}

/**
 * What {@link verifyCallback} returns: the delivery's `webhook-id`, its timestamp and the parsed event.
 *
 * @example
 * const { id, timestamp, event }: VerifiedCallback = verifyCallback(rawBody, headers, secret);
 * console.log(`${id} at ${timestamp.toISOString()}: contract ${event.contractId} is ${event.status}`);
 */
export interface VerifiedCallback<T = CallbackEvent> {
  /** `webhook-id`: the same for every delivery attempt of one event; de-duplicate by it. */
  id: string;
  /** `webhook-timestamp` as a `Date`. */
  timestamp: Date;
  event: T;
}

const header = (headers: CallbackHeaders, name: string): string | undefined => {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(entry) ? entry[0] : entry;
};

/** Compares two strings in time independent of where they differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Verifies a callback (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature`, HMAC-SHA256 with the `whsec_…` secret) from the RAW body — not a
 * re-serialized parse — and returns its typed event. Throws {@link CallbackVerificationError}.
 *
 * @example
 * app.post('/finum-callback', express.raw({ type: '*\/*' }), (req, res) => {
 *   const { id, event } = verifyCallback(req.body, req.headers, process.env.FINUM_CALLBACK_SECRET);
 *   res.sendStatus(204);
 * });
 */
export function verifyCallback<T = CallbackEvent>(
  rawBody: string | Uint8Array,
  headers: CallbackHeaders,
  secret: string,
  options: VerifyOptions = {},
): VerifiedCallback<T> {
  const id = header(headers, WEBHOOK_HEADERS.id);
  const timestampText = header(headers, WEBHOOK_HEADERS.timestamp);
  const signatures = header(headers, WEBHOOK_HEADERS.signature);
  if (!id || !timestampText || !signatures) {
    throw new CallbackVerificationError('missing webhook-id, webhook-timestamp or webhook-signature header');
  }
  const seconds = /^\d+$/.test(timestampText) ? Number(timestampText) : Number.NaN;
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (!Number.isFinite(seconds) || Math.abs(nowSeconds - seconds) > tolerance) {
    throw new CallbackVerificationError(`webhook-timestamp ${timestampText} is not within ${tolerance} s of now`);
  }
  const body = typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody);
  // The package signs; the timestamp check above is ours, for a configurable tolerance and clock.
  const expected = new Webhook(secret).sign(id, new Date(seconds * 1000), body).split(',')[1]!;
  const matches = signatures.split(' ').some((versioned) => {
    const [version, signature] = versioned.split(',');
    return version === 'v1' && signature !== undefined && sameText(signature, expected);
  });
  if (!matches) throw new CallbackVerificationError('no matching signature: wrong secret or altered body');
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new CallbackVerificationError('the callback body is not JSON');
  }
  return { id, timestamp: new Date(seconds * 1000), event: event as T };
}

/**
 * Is `event` a contract status change as SPEC §8 describes it (new fields a provider adds pass)?
 *
 * @example
 * if (isContractStatusEvent(event)) await refresh(event.contractId);
 */
export function isContractStatusEvent(event: unknown): event is CallbackEvent {
  return checkSchema(SCHEMAS.CallbackEvent, event, true).length === 0;
}

/**
 * Where {@link createCallbackDeduplicator} remembers the `webhook-id`s it has seen.
 *
 * @example
 * // A store that survives restarts: a table with the id as its primary key.
 * const store: SeenStore = {
 *   async add(id) {
 *     const { rowCount } = await pool.query('INSERT INTO seen_callbacks (id) VALUES ($1) ON CONFLICT DO NOTHING', [id]);
 *     return rowCount === 1;
 *   },
 * };
 * const firstTime = createCallbackDeduplicator(store);
 */
export interface SeenStore {
  /** Records `id`; resolves `true` when it was new, `false` when it had been recorded before. */
  add(id: string): boolean | Promise<boolean>;
}

/**
 * The default {@link SeenStore}: the last `capacity` ids in memory (oldest forgotten first).
 * Providers retry for days: use a persistent store when a restart must not forget.
 *
 * @example
 * const firstTime = createCallbackDeduplicator(memorySeenStore(50_000));
 */
export function memorySeenStore(capacity = 10_000): SeenStore {
  const seen = new Set<string>();
  return {
    add(id) {
      if (seen.has(id)) return false;
      seen.add(id);
      if (seen.size > capacity) seen.delete(seen.values().next().value!);
      return true;
    },
  };
}

/**
 * De-duplicates callbacks by `webhook-id` (providers deliver at least once).
 *
 * @example
 * const firstTime = createCallbackDeduplicator();
 * const { id, event } = verifyCallback(raw, headers, secret);
 * if (await firstTime(id)) await refresh(event.contractId);
 */
export function createCallbackDeduplicator(store: SeenStore = memorySeenStore()): (id: string) => Promise<boolean> {
  return async (id) => store.add(id);
}
