import type { ConsumerRow } from '@finum-sync/server/internal';
import { expect, it } from 'vitest';
import { type Get, uid } from './support.js';

function consumerRow(id: string, change: Partial<ConsumerRow> = {}): ConsumerRow {
  return {
    id,
    name: `Consumer ${id}`,
    status: 'active',
    callbackUrl: null,
    callbackSecret: 'whsec_test',
    createdMs: 1_000,
    ...change,
  };
}

/** ConsumerStore, ConsumerTx and MetaTx: consumers, keys, the auth revision, usage. */
export function consumerTests(store: Get) {
  it('stores consumers and changes them in place', async () => {
    const id = uid('c');
    await store().transaction((tx) => tx.putConsumer(consumerRow(id)));
    expect(await store().consumer(id)).toEqual(consumerRow(id));
    await store().transaction((tx) =>
      tx.putConsumer(consumerRow(id, { status: 'disabled', callbackUrl: 'https://example.com/cb' })),
    );
    const read = await store().transaction((tx) => tx.getConsumer(id));
    expect(read?.status).toBe('disabled');
    expect(read?.callbackUrl).toBe('https://example.com/cb');
    expect((await store().listConsumers()).filter((c) => c.id === id)).toHaveLength(1);
    expect(await store().consumer(uid('none'))).toBeUndefined();
  });

  it('adds and removes keys; the auth state holds what is left', async () => {
    const id = uid('c');
    const key = (kid: string) => ({
      consumerId: id,
      kid,
      alg: 'ES256' as const,
      publicKey: `PEM ${kid}`,
      createdMs: 1_000,
    });
    await store().transaction(async (tx) => {
      await tx.putConsumer(consumerRow(id));
      await tx.putKey(key('k1'));
      await tx.putKey(key('k2'));
    });
    expect((await store().transaction((tx) => tx.consumerKeys(id))).map((k) => k.kid).sort()).toEqual(['k1', 'k2']);
    expect(await store().transaction((tx) => tx.removeKey(id, 'k1'))).toBe(true);
    expect(await store().transaction((tx) => tx.removeKey(id, 'k1'))).toBe(false);
    const state = await store().loadAuthState();
    expect(state.consumers.some((c) => c.id === id)).toBe(true);
    expect(state.keys.filter((k) => k.consumerId === id)).toEqual([key('k2')]);
  });

  it('moves the auth revision on every bump, seen at once after the commit', async () => {
    const before = await store().authRevision();
    await store().transaction((tx) => tx.bumpAuthRevision());
    const after = await store().authRevision();
    expect(after).not.toBe(before);
    // Nothing bumped: unchanged.
    expect(await store().authRevision()).toBe(after);
    await store().transaction((tx) => tx.bumpAuthRevision());
    expect(await store().authRevision()).not.toBe(after);
  });

  it('keeps meta values by key', async () => {
    const key = uid('meta');
    await store().transaction(async (tx) => {
      expect(await tx.getMeta(key)).toBeUndefined();
      await tx.setMeta(key, 'a');
      await tx.setMeta(key, 'b');
    });
    expect(await store().transaction((tx) => tx.getMeta(key))).toBe('b');
  });

  it('adds usage counts up and keeps the latest time seen', async () => {
    const id = uid('c');
    await store().addConsumerUsage([{ consumerId: id, requests: 3, errors: 1, lastSeenMs: 5_000 }]);
    await store().addConsumerUsage([{ consumerId: id, requests: 2, errors: 0, lastSeenMs: 4_000 }]);
    await store().addConsumerUsage([]);
    const usage = (await store().consumerUsage()).find((u) => u.consumerId === id);
    expect(usage).toEqual({ consumerId: id, requests: 5, errors: 1, lastSeenMs: 5_000 });
  });
}
