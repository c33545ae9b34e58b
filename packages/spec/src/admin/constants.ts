/**
 * `@finum-sync/spec/admin/constants`: the back office's plain values (audit actions, actor
 * kinds, target types, delivery states and kinds) without its schemas, so that loading them
 * does not load TypeBox (the CLI's option lists use them at start-up).
 *
 * @example
 * import { DELIVERY_STATES } from '@finum-sync/spec/admin/constants';
 */

/**
 * What was done: an application decided (or submitted), a consumer added, disabled or
 * enabled, a key added or removed, a callback secret rotated, records imported, a contract's
 * status set or a document attached by the provider, a provider event endpoint added,
 * removed or given a new secret.
 * @example
 * AUDIT_ACTIONS.includes('consumer.disabled'); // true
 */
export const AUDIT_ACTIONS = [
  'application.submitted',
  'application.approved',
  'application.rejected',
  'consumer.added',
  'consumer.disabled',
  'consumer.enabled',
  'consumer.key-added',
  'consumer.key-removed',
  'consumer.callback-secret-rotated',
  'records.imported',
  'contract.status-set',
  'contract.file-attached',
  'provider-endpoint.added',
  'provider-endpoint.removed',
  'provider-endpoint.secret-rotated',
  'delivery.redelivered',
] as const;
/**
 * One of {@link AUDIT_ACTIONS}.
 * @example
 * const action: AuditAction = 'contract.status-set';
 */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Who acted: a signed-in admin page session, a program with the `ADMIN_TOKEN`, the CLI on the
 * database (with the operating-system user), an applicant on `/onboarding/`, or the server
 * itself (the demo provider simulator, the seed).
 * @example
 * ACTOR_KINDS; // ['session', 'admin-token', 'cli', 'onboarding', 'system']
 */
export const ACTOR_KINDS = ['session', 'admin-token', 'cli', 'onboarding', 'system'] as const;
/**
 * One of {@link ACTOR_KINDS}.
 * @example
 * const kind: ActorKind = 'cli';
 */
export type ActorKind = (typeof ACTOR_KINDS)[number];

/**
 * What an action was done to.
 * @example
 * AUDIT_TARGET_TYPES.includes('contract'); // true
 */
export const AUDIT_TARGET_TYPES = [
  'application',
  'consumer',
  'contract',
  'import',
  'provider-endpoint',
  'delivery',
] as const;
/**
 * One of {@link AUDIT_TARGET_TYPES}.
 * @example
 * const type: AuditTargetType = 'consumer';
 */
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/**
 * The states of a callback delivery: waiting for (another) attempt, delivered (a 2xx),
 * gone (the URL answered 410: no more attempts) or failed (retries exhausted).
 * @example
 * DELIVERY_STATES.includes('gone'); // true
 */
export const DELIVERY_STATES = ['pending', 'delivered', 'gone', 'failed'] as const;
/**
 * `'pending' | 'delivered' | 'gone' | 'failed'`.
 * @example
 * const state: DeliveryState = 'delivered';
 */
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/**
 * Which URL a delivery goes to: a contract's one-shot `callbackUrl`, the consumer's standing
 * one, or the provider's own `PROVIDER_WEBHOOK_URL` (a provider event).
 * @example
 * DELIVERY_KINDS; // ['one-shot', 'standing', 'provider']
 */
export const DELIVERY_KINDS = ['one-shot', 'standing', 'provider'] as const;
/**
 * `'one-shot' | 'standing' | 'provider'`.
 * @example
 * const kind: DeliveryKind = 'standing';
 */
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];
