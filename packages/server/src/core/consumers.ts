import { randomBytes } from 'node:crypto';
import { ID_REGEX } from '@finum-sync/spec';
import { parsePublicKey } from '../auth/public-key.js';
import type { ConsumerRow, Store } from '../store/port.js';

export class ConsumerError extends Error {
  override name = 'ConsumerError';
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
}

export interface ConsumerCredentials {
  consumerId: string;
  /** The JWT payload handed to the consumer at onboarding (it adds `iat` and `exp`). */
  payload: { sub: string; aud: string };
  callbackSecret: string;
  kid: string;
  alg: string;
}

/** Registers a consumer with its first public key (SPEC §10 `consumer add`). */
export async function addConsumer(store: Store, audience: string, input: NewConsumer): Promise<ConsumerCredentials> {
  if (!ID_REGEX.test(input.id)) {
    throw new ConsumerError('A consumer id is 1–64 characters of A–Z, a–z, 0–9, `_` and `-`.');
  }
  const key = await parsePublicKey(input.publicKeyPem, { alg: input.alg, kid: input.kid });
  const secret = input.callbackSecret ?? newCallbackSecret();
  await store.transaction(async (tx) => {
    if (await tx.getConsumer(input.id)) throw new ConsumerError(`Consumer '${input.id}' exists already.`);
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
export async function setConsumerStatus(store: Store, id: string, status: ConsumerRow['status']): Promise<ConsumerRow> {
  return store.transaction(async (tx) => {
    const consumer = await tx.getConsumer(id);
    if (!consumer) throw new ConsumerError(`No consumer '${id}'.`);
    const updated = { ...consumer, status };
    await tx.putConsumer(updated);
    await tx.bumpAuthRevision();
    return updated;
  });
}
