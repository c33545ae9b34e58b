import { expect, it } from 'vitest';
import { type Get, uid } from './support.js';

/** IdempotencyStore and IdempotencyTx: claim, replay, release, lease and expiry. */
export function idempotencyTests(store: Get) {
  const options = (nowMs: number) => ({ nowMs, leaseMs: 1_000, ttlMs: 60_000 });

  it('claims a key once; a second request runs into the claim, another body is a mismatch', async () => {
    const consumer = uid('c');
    const key = uid('k');
    expect(await store().claimIdempotencyKey(consumer, key, 'h1', options(10_000))).toEqual({ kind: 'claimed' });
    expect(await store().claimIdempotencyKey(consumer, key, 'h1', options(10_500))).toEqual({ kind: 'running' });
    expect(await store().claimIdempotencyKey(consumer, key, 'h2', options(10_500))).toEqual({ kind: 'mismatch' });
    // Keys are per consumer.
    expect(await store().claimIdempotencyKey(uid('c'), key, 'h2', options(10_500))).toEqual({ kind: 'claimed' });
  });

  it('replays the completed response, in the transaction of the write', async () => {
    const consumer = uid('c');
    const key = uid('k');
    await store().claimIdempotencyKey(consumer, key, 'h', options(10_000));
    await store().transaction((tx) => tx.completeIdempotencyKey(consumer, key, { status: 201, body: '{"id":"x"}' }));
    expect(await store().claimIdempotencyKey(consumer, key, 'h', options(20_000))).toEqual({
      kind: 'replay',
      status: 201,
      body: '{"id":"x"}',
    });
    // Released only while running: a completed key stays.
    await store().releaseIdempotencyKey(consumer, key);
    expect((await store().claimIdempotencyKey(consumer, key, 'h', options(20_000))).kind).toBe('replay');
  });

  it('forgets a released claim; takes over one whose lease is over', async () => {
    const consumer = uid('c');
    const key = uid('k');
    await store().claimIdempotencyKey(consumer, key, 'h', options(10_000));
    await store().releaseIdempotencyKey(consumer, key);
    expect(await store().claimIdempotencyKey(consumer, key, 'other', options(10_100))).toEqual({ kind: 'claimed' });
    // Lease (1 s) over and never completed: the next request takes over.
    expect(await store().claimIdempotencyKey(consumer, key, 'other', options(11_200))).toEqual({ kind: 'claimed' });
    expect(await store().claimIdempotencyKey(consumer, key, 'other', options(11_300))).toEqual({ kind: 'running' });
  });

  it('forgets a key older than its time to live, completed or not', async () => {
    const consumer = uid('c');
    const key = uid('k');
    await store().claimIdempotencyKey(consumer, key, 'h', options(10_000));
    await store().transaction((tx) => tx.completeIdempotencyKey(consumer, key, { status: 200, body: '{}' }));
    expect(await store().claimIdempotencyKey(consumer, key, 'new', options(10_000 + 60_001))).toEqual({
      kind: 'claimed',
    });
  });

  it('lets exactly one of concurrent first requests claim a key', async () => {
    const consumer = uid('c');
    const key = uid('k');
    const claims = await Promise.all(
      Array.from({ length: 6 }, () => store().claimIdempotencyKey(consumer, key, 'h', options(10_000))),
    );
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'running')).toHaveLength(5);
  });

  it('deletes keys created before a time', async () => {
    const consumer = uid('c');
    await store().claimIdempotencyKey(consumer, uid('k'), 'h', options(1));
    await store().claimIdempotencyKey(consumer, uid('k'), 'h', options(2));
    expect(await store().deleteIdempotencyKeysBefore(3)).toBeGreaterThanOrEqual(2);
    expect(await store().deleteIdempotencyKeysBefore(3)).toBe(0);
  });
}
