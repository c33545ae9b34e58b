import { randomUUID } from 'node:crypto';
import type { NewDelivery } from '@finum-sync/server/internal';
import { PUBLIC_OWNER } from '@finum-sync/server/internal';
import { expect, it } from 'vitest';
import { type Get, uid } from './support.js';

/** OutboxStore and OutboxTx: pending callbacks, leased claims, attempts, 410 stops, requeues, provider endpoints. */
export function outboxTests(store: Get) {
  const delivery = (change: Partial<NewDelivery> = {}): NewDelivery => ({
    id: `msg_${randomUUID()}`,
    consumerId: uid('c'),
    contractId: uid('ct'),
    url: `https://example.com/${uid('cb')}`,
    kind: 'standing',
    payload: '{"type":"contract.updated"}',
    ...change,
  });
  const enqueue = (...deliveries: NewDelivery[]) =>
    store().transaction(async (tx) => {
      for (const d of deliveries) await tx.enqueueDelivery(d);
    });
  const find = async (id: string) => (await store().listDeliveries({ webhookId: id }))[0];
  /** Claims what is due now, returning this test's deliveries only (others may be due too). */
  const claim = async (ids: string[], nowMs: number, leaseMs = 60_000) =>
    (await store().claimDueDeliveries(nowMs, 1000, leaseMs)).filter((d) => ids.includes(d.id));

  it('keeps one pending callback URL per contract until it is cleared', async () => {
    const contract = uid('ct');
    const consumer = uid('c');
    await store().transaction((tx) => tx.setPendingCallback(contract, consumer, 'https://example.com/a'));
    await store().transaction((tx) => tx.setPendingCallback(contract, consumer, 'https://example.com/b'));
    expect(await store().transaction((tx) => tx.pendingCallback(contract))).toBe('https://example.com/b');
    await store().transaction((tx) => tx.setPendingCallback(contract, consumer, null));
    expect(await store().transaction((tx) => tx.pendingCallback(contract))).toBeUndefined();
  });

  it('leases a claimed delivery: not claimed again until the lease is over', async () => {
    const d = delivery();
    await enqueue(d);
    const now = await store().nowMs();
    const [claimed] = await claim([d.id], now, 5_000);
    expect(claimed).toMatchObject({ ...d, state: 'pending', attempts: 1, nextAttemptMs: now + 5_000 });
    expect(await claim([d.id], now + 4_999, 5_000)).toEqual([]);
    const [again] = await claim([d.id], now + 5_000, 5_000);
    expect(again?.attempts).toBe(2);
  });

  it('never hands one delivery to two concurrent claims', async () => {
    const deliveries = Array.from({ length: 12 }, () => delivery());
    await enqueue(...deliveries);
    const ids = deliveries.map((d) => d.id);
    const now = await store().nowMs();
    const batches = await Promise.all(Array.from({ length: 4 }, () => store().claimDueDeliveries(now, 5, 60_000)));
    const claimed = batches
      .flat()
      .filter((d) => ids.includes(d.id))
      .map((d) => d.id);
    expect(new Set(claimed).size).toBe(claimed.length);
    // Whatever the claims left (other tests' deliveries may be due too) is claimed next, once.
    const rest = await claim(ids, now);
    expect([...claimed, ...rest.map((d) => d.id)].sort()).toEqual([...ids].sort());
  });

  it('records an attempt and its outcome; a retry waits for its time', async () => {
    const d = delivery();
    await enqueue(d);
    const now = await store().nowMs();
    await claim([d.id], now);
    await store().finishDeliveryAttempt(
      { deliveryId: d.id, attempt: 1, startedMs: now, durationMs: 12, status: 503, error: null },
      { state: 'pending', nextAttemptMs: now + 30_000 },
    );
    let read = await find(d.id);
    expect(read).toMatchObject({ state: 'pending', nextAttemptMs: now + 30_000, lastStatus: 503, finishedMs: null });
    expect(await claim([d.id], now + 29_999)).toEqual([]);
    expect(await claim([d.id], now + 30_000)).toHaveLength(1);
    await store().finishDeliveryAttempt(
      { deliveryId: d.id, attempt: 2, startedMs: now + 30_000, durationMs: 5, status: 204, error: null },
      { state: 'delivered', nextAttemptMs: now + 30_005 },
    );
    read = await find(d.id);
    expect(read).toMatchObject({ state: 'delivered', finishedMs: now + 30_005, lastStatus: 204, attempts: 2 });
    expect(read?.attemptList.map((a) => [a.attempt, a.status])).toEqual([
      [1, 503],
      [2, 204],
    ]);
  });

  it('stops the pending deliveries of a consumer to a URL (410), and they stay stopped', async () => {
    const a = delivery();
    const b = delivery({ consumerId: a.consumerId, url: a.url });
    const elsewhere = delivery({ consumerId: a.consumerId });
    await enqueue(a, b, elsewhere);
    const now = await store().nowMs();
    await claim([a.id], now);
    expect(await store().stopDeliveriesTo(a.consumerId, a.url, now)).toBe(2);
    // The attempt running meanwhile finishes: the delivery stays gone.
    await store().finishDeliveryAttempt(
      { deliveryId: a.id, attempt: 1, startedMs: now, durationMs: 1, status: 500, error: null },
      { state: 'pending', nextAttemptMs: now + 1_000 },
    );
    expect((await find(a.id))?.state).toBe('gone');
    expect((await find(b.id))?.state).toBe('gone');
    expect((await find(elsewhere.id))?.state).toBe('pending');
  });

  it('puts a failed or gone delivery back in the queue, nothing else', async () => {
    const failed = delivery();
    const delivered = delivery();
    await enqueue(failed, delivered);
    const now = await store().nowMs();
    await claim([failed.id, delivered.id], now);
    const finish = (id: string, state: 'failed' | 'delivered') =>
      store().finishDeliveryAttempt(
        {
          deliveryId: id,
          attempt: 1,
          startedMs: now,
          durationMs: 1,
          status: state === 'failed' ? 500 : 200,
          error: null,
        },
        { state, nextAttemptMs: now },
      );
    await finish(failed.id, 'failed');
    await finish(delivered.id, 'delivered');
    const [before, unchanged, unknown] = await store().transaction(async (tx) => [
      await tx.requeueDelivery(failed.id),
      await tx.requeueDelivery(delivered.id),
      await tx.requeueDelivery('msg_none'),
    ]);
    expect([before, unchanged, unknown]).toEqual(['failed', 'delivered', undefined]);
    expect(await find(failed.id)).toMatchObject({ state: 'pending', finishedMs: null });
    expect((await find(delivered.id))?.state).toBe('delivered');
  });

  it('filters deliveries and counts the queue', async () => {
    const consumer = uid('c');
    const a = delivery({ consumerId: consumer, kind: 'one-shot' });
    const b = delivery({ consumerId: consumer });
    const queueBefore = await store().deliveryQueue();
    await enqueue(a, b);
    const queue = await store().deliveryQueue();
    expect(queue.pending).toBe(queueBefore.pending + 2);
    expect(queue.nextDueMs).not.toBeNull();
    expect((await store().listDeliveries({ consumerId: consumer })).map((d) => d.id).sort()).toEqual(
      [a.id, b.id].sort(),
    );
    expect((await store().listDeliveries({ consumerId: consumer, kind: 'one-shot' })).map((d) => d.id)).toEqual([a.id]);
    expect(await store().listDeliveries({ contractId: a.contractId, state: 'delivered' })).toEqual([]);
  });

  it('deletes finished deliveries created before a time, never pending ones', async () => {
    const done = delivery();
    const pending = delivery();
    await enqueue(done, pending);
    const now = await store().nowMs();
    await claim([done.id], now);
    await store().finishDeliveryAttempt(
      { deliveryId: done.id, attempt: 1, startedMs: now, durationMs: 1, status: 200, error: null },
      { state: 'delivered', nextAttemptMs: now },
    );
    expect(await store().deleteFinishedDeliveriesBefore(now + 60_000)).toBeGreaterThanOrEqual(1);
    expect(await find(done.id)).toBeUndefined();
    expect((await find(pending.id))?.state).toBe('pending');
  });

  it('adds provider endpoints once per URL; removing one stops its pending deliveries', async () => {
    const url = `https://example.com/${uid('events')}`;
    const endpoint = { id: uid('ep'), url, secret: 'whsec_a', description: null, createdMs: 1_000 };
    expect(await store().transaction((tx) => tx.insertProviderEndpoint(endpoint))).toBe(true);
    expect(await store().transaction((tx) => tx.insertProviderEndpoint({ ...endpoint, id: uid('ep') }))).toBe(false);
    await store().transaction((tx) => tx.setProviderEndpointSecret(endpoint.id, 'whsec_b'));
    expect(await store().transaction((tx) => tx.getProviderEndpoint(endpoint.id))).toEqual({
      ...endpoint,
      secret: 'whsec_b',
    });
    expect((await store().listProviderEndpoints()).filter((e) => e.url === url)).toHaveLength(1);
    expect((await store().transaction((tx) => tx.providerEndpoints())).some((e) => e.id === endpoint.id)).toBe(true);

    const event = delivery({ consumerId: PUBLIC_OWNER, contractId: '', url, kind: 'provider' });
    await enqueue(event);
    await store().transaction((tx) => tx.deleteProviderEndpoint(endpoint.id, url));
    expect(await store().transaction((tx) => tx.getProviderEndpoint(endpoint.id))).toBeUndefined();
    expect((await find(event.id))?.state).toBe('gone');
  });
}
