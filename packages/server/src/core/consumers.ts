import { randomBytes } from 'node:crypto';
import { ID_REGEX } from '@finum-sync/spec';
import { parsePublicKey } from '../auth/public-key.js';
import type { Actor, ConsumerKeyRow, ConsumerRow, StoreTx, Transactional } from '../store/port.js';
import { audit } from './audit.js';

export class ConsumerError extends Error {
  override name = 'ConsumerError';

  /** What kind of refusal it is, for the HTTP answer: a bad input, a clash, or nothing there. */
  constructor(
    message: string,
    readonly kind: 'invalid' | 'conflict' | 'not-found' = 'invalid',
  ) {
    super(message);
  }
}

/** Where `serve` keeps its audience (`PUBLIC_URL`) in the database, for the CLI (SPEC §10). */
const SERVER_AUDIENCE_KEY = 'server_audience';

/**
 * Records the audience a server accepts tokens for (its `PUBLIC_URL`), at every start, so
 * that tools on the same database (`finum-sync consumer add`) hand out the right `aud`.
 *
 * @example await recordServerAudience(store, config.publicUrl);
 */
export function recordServerAudience(store: Transactional, audience: string): Promise<void> {
  return store.transaction((tx) => tx.setMeta(SERVER_AUDIENCE_KEY, audience));
}

/**
 * The audience the last started server on this database uses; `undefined` when no server
 * has started on it yet.
 *
 * @example const aud = (await serverAudience(store)) ?? config.publicUrl;
 */
export function serverAudience(store: Transactional): Promise<string | undefined> {
  return store.transaction((tx) => tx.getMeta(SERVER_AUDIENCE_KEY));
}

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
export const newCallbackSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

export interface NewConsumer {
  id: string;
  name?: string;
  publicKeyPem: string;
  alg?: string;
  kid?: string;
  callbackUrl?: string | null;
  /** Given for the demo consumer, whose secret is fixed; generated otherwise. */
  callbackSecret?: string;
  /** Who adds it (the audit trail). */
  by: Actor;
}

export interface ConsumerCredentials {
  consumerId: string;
  /** The JWT payload handed to the consumer at onboarding (it adds `iat` and `exp`). */
  payload: { sub: string; aud: string };
  callbackSecret: string;
  kid: string;
  alg: string;
}

/**
 * Registers a consumer with its first public key (SPEC §10 `consumer add`). `within` runs
 * in the same transaction (e.g. marking an onboarding application approved).
 */
export async function addConsumer(
  store: Transactional,
  audience: string,
  input: NewConsumer,
  within?: (tx: StoreTx) => Promise<void>,
): Promise<ConsumerCredentials> {
  if (!ID_REGEX.test(input.id)) {
    throw new ConsumerError('A consumer id is 1–64 characters of A–Z, a–z, 0–9, `_` and `-`.');
  }
  const key = await parsePublicKey(input.publicKeyPem, { alg: input.alg, kid: input.kid });
  const secret = input.callbackSecret ?? newCallbackSecret();
  await store.transaction(async (tx) => {
    if (await tx.getConsumer(input.id)) throw new ConsumerError(`Consumer '${input.id}' exists already.`, 'conflict');
    await tx.putConsumer({
      id: input.id,
      name: input.name ?? input.id,
      status: 'active',
      callbackUrl: input.callbackUrl ?? null,
      callbackSecret: secret,
      createdMs: tx.nowMs,
    });
    await tx.putKey({ consumerId: input.id, kid: key.kid, alg: key.alg, publicKey: key.pem, createdMs: tx.nowMs });
    await tx.bumpAuthRevision();
    await within?.(tx);
    await audit(tx, input.by, {
      action: 'consumer.added',
      targetType: 'consumer',
      targetId: input.id,
      detail: { name: input.name ?? input.id, kid: key.kid, alg: key.alg, callbackUrl: input.callbackUrl ?? null },
    });
  });
  return {
    consumerId: input.id,
    payload: { sub: input.id, aud: audience },
    callbackSecret: secret,
    kid: key.kid,
    alg: key.alg,
  };
}

/** Enables or disables a consumer; every server process refuses its tokens at once. */
export async function setConsumerStatus(
  store: Transactional,
  id: string,
  status: ConsumerRow['status'],
  by: Actor,
): Promise<ConsumerRow> {
  return changeConsumer(store, id, async (tx, consumer) => {
    const updated = { ...consumer, status };
    await tx.putConsumer(updated);
    await audit(tx, by, {
      action: status === 'disabled' ? 'consumer.disabled' : 'consumer.enabled',
      targetType: 'consumer',
      targetId: id,
      detail: { from: consumer.status, to: status },
    });
    return updated;
  });
}

/** Changes a consumer in one transaction that also bumps the auth revision (every process reloads). */
function changeConsumer<T>(store: Transactional, id: string, work: (tx: StoreTx, consumer: ConsumerRow) => Promise<T>) {
  return store.transaction(async (tx) => {
    const consumer = await tx.getConsumer(id);
    if (!consumer) throw new ConsumerError(`No consumer '${id}'.`, 'not-found');
    const result = await work(tx, consumer);
    await tx.bumpAuthRevision();
    return result;
  });
}

/** Registers another public key of a consumer (key rotation: tokens pick it with `kid`). */
export async function addConsumerKey(
  store: Transactional,
  consumerId: string,
  publicKeyPem: string,
  options: { alg?: string; kid?: string },
  by: Actor,
): Promise<ConsumerKeyRow> {
  const key = await parsePublicKey(publicKeyPem, options);
  return changeConsumer(store, consumerId, async (tx) => {
    if ((await tx.consumerKeys(consumerId)).some((k) => k.kid === key.kid))
      throw new ConsumerError(`Consumer '${consumerId}' has a key '${key.kid}' already.`, 'conflict');
    const row: ConsumerKeyRow = { consumerId, kid: key.kid, alg: key.alg, publicKey: key.pem, createdMs: tx.nowMs };
    await tx.putKey(row);
    await audit(tx, by, {
      action: 'consumer.key-added',
      targetType: 'consumer',
      targetId: consumerId,
      detail: { kid: key.kid, alg: key.alg },
    });
    return row;
  });
}

/** Removes a consumer's key: tokens signed with it are refused at once by this process, within 50 ms by every other. */
export async function removeConsumerKey(
  store: Transactional,
  consumerId: string,
  kid: string,
  by: Actor,
): Promise<void> {
  await changeConsumer(store, consumerId, async (tx) => {
    if (!(await tx.removeKey(consumerId, kid))) {
      throw new ConsumerError(`Consumer '${consumerId}' has no key '${kid}'.`, 'not-found');
    }
    await audit(tx, by, {
      action: 'consumer.key-removed',
      targetType: 'consumer',
      targetId: consumerId,
      detail: { kid },
    });
  });
}

/** Issues a new callback secret; callbacks are signed with it from now on. */
export async function rotateCallbackSecret(store: Transactional, consumerId: string, by: Actor): Promise<string> {
  return changeConsumer(store, consumerId, async (tx, consumer) => {
    const callbackSecret = newCallbackSecret();
    await tx.putConsumer({ ...consumer, callbackSecret });
    // The secret itself never goes into the trail.
    await audit(tx, by, { action: 'consumer.callback-secret-rotated', targetType: 'consumer', targetId: consumerId });
    return callbackSecret;
  });
}
