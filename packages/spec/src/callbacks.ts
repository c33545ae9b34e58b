import Type, { type Static, type TSchema, type TUnsafe } from 'typebox';
import { ContractStatus } from './lifecycle.js';
import { Id, Timestamp } from './primitives.js';

/**
 * Callbacks (SPEC §8): the event a provider POSTs when a contract's status changes, and
 * the Standard Webhooks headers it is signed with.
 */

/**
 * The `type` of the one callback event of SPEC §8.
 * @example
 * if (event.type === CALLBACK_EVENT_TYPE) refetch(event.contractId);
 */
export const CALLBACK_EVENT_TYPE = 'contract.status-changed';

/**
 * Who made a contract's status change, as a callback event says (SPEC §8): the provider
 * (back office, import, its own systems) or the consumer with its own write (including the
 * provider's immediate 110 answer to a proposal request that misses data).
 * @example
 * STATUS_CHANGERS.includes(event.changedBy); // true
 */
export const STATUS_CHANGERS = ['provider', 'consumer'] as const;
/**
 * `'provider' | 'consumer'`.
 * @example
 * const by: StatusChanger = 'provider';
 */
export type StatusChanger = (typeof STATUS_CHANGERS)[number];

/**
 * The body of a callback (SPEC §8): a notification, after which the consumer fetches the
 * contract with `contract-list?id-list=`.
 * @example
 * const event: CallbackEvent = {
 *   type: 'contract.status-changed', contractId: 'c-1', status: 130, previousStatus: 120,
 *   changedBy: 'provider', occurredAt: '2026-11-23T10:15:30.123Z',
 * };
 */
export const CallbackEvent = Type.Object(
  {
    type: Type.Literal(CALLBACK_EVENT_TYPE),
    contractId: Id,
    status: ContractStatus,
    previousStatus: Type.Union([ContractStatus, Type.Null()]),
    // A union of consts (not an enum); typed by hand because TypeBox types a union of a mapped array as `never`.
    changedBy: Type.Union(
      STATUS_CHANGERS.map((by) => Type.Literal(by)),
      {
        description:
          '`provider` when the provider changed the status; `consumer` when the consumer’s own write did (only the standing callback URL is told of those).',
      },
    ) as TSchema as TUnsafe<StatusChanger>,
    occurredAt: Timestamp,
  },
  { additionalProperties: false },
);
export type CallbackEvent = Static<typeof CallbackEvent>;

/**
 * The Standard Webhooks headers a callback carries (lower case, as Node and fetch give them).
 * @example
 * const id = request.headers[WEBHOOK_HEADERS.id];
 */
export const WEBHOOK_HEADERS = {
  /** Unique per event; the same across retries: de-duplicate by it. */
  id: 'webhook-id',
  /** Seconds since the epoch. */
  timestamp: 'webhook-timestamp',
  /** Space-separated `v1,<base64>` HMAC-SHA256 signatures. */
  signature: 'webhook-signature',
} as const;

/**
 * How a provider delivers callbacks (SPEC §8): a non-2xx answer or a timeout is retried with
 * exponential backoff for `retryForMs`; `410 Gone` stops retries for that URL.
 * @example
 * AbortSignal.timeout(CALLBACK_DELIVERY.timeoutMs);
 */
export const CALLBACK_DELIVERY = {
  timeoutMs: 10_000,
  retryForMs: 3 * 86_400_000,
  goneStatus: 410,
} as const;
