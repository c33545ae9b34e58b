import { expect, it } from 'vitest';
import { type Get, record, uid } from './support.js';

/** Transactional and StoreLifecycle: ping, the clock, whole transactions. */
export function lifecycleTests(store: Get) {
  it('answers ping and reads a clock that does not run backwards', async () => {
    await expect(store().ping()).resolves.toBeUndefined();
    const a = await store().nowMs();
    const b = await store().nowMs();
    expect(a).toBeGreaterThan(1_600_000_000_000);
    expect(b).toBeGreaterThanOrEqual(a);
  });

  it('commits a transaction whole, and rolls back all of one that throws', async () => {
    const key = uid('meta');
    await store().transaction((tx) => tx.setMeta(key, 'one'));
    await expect(
      store().transaction(async (tx) => {
        await tx.setMeta(key, 'two');
        await tx.putRecord(record('client', uid('cl'), uid('c')));
        throw new Error('give up');
      }),
    ).rejects.toThrow('give up');
    expect(await store().transaction((tx) => tx.getMeta(key))).toBe('one');
  });

  it('gives a transaction its clock, the same for all its work', async () => {
    const before = await store().nowMs();
    const [a, b] = await store().transaction(async (tx) => {
      const first = tx.nowMs;
      await tx.setMeta(uid('meta'), 'x');
      return [first, tx.nowMs];
    });
    expect(a).toBe(b);
    expect(a).toBeGreaterThanOrEqual(before);
  });
}
