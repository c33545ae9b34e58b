import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type {
  ApplicationRow,
  AuditRow,
  ConsumerRow,
  JsonText,
  NewDelivery,
  RecordRow,
  Store,
  StoredRecord,
} from '@finum-sync/server/internal';
import { PUBLIC_OWNER } from '@finum-sync/server/internal';
import type { RecordType } from '@finum-sync/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The storage port's contract: what the server's callers rely on from a `Store`, tested
 * through the port alone (no SQL, no table names). Run it on any implementation:
 *
 * ```ts
 * storeContractSuite('my store', () => openMyStore(...));
 * ```
 *
 * `openStore` is called once, before the suite's tests, on an empty (freshly migrated)
 * database; the suite closes the store after them. Tests make their own ids, so they do not
 * depend on each other's data.
 */
export function storeContractSuite(name: string, openStore: () => Promise<Store>): void {
  describe(name, () => {
    let store: Store;
    beforeAll(async () => {
      store = await openStore();
    });
    afterAll(async () => {
      await store?.close();
    });
    const s = () => store;

    describe('lifecycle', () => lifecycleTests(s));
    describe('records', () => recordTests(s));
    describe('consumers, keys, auth revision, usage', () => consumerTests(s));
    describe('idempotency keys', () => idempotencyTests(s));
    describe('outbox', () => outboxTests(s));
    describe('blobs', () => blobTests(s));
    describe('applications', () => applicationTests(s));
    describe('admin sessions', () => adminSessionTests(s));
    describe('audit trail', () => auditTests(s));
    describe('rate counts', () => rateCountTests(s));
  });
}

type Get = () => Store;

/** A fresh id, so that tests share one database without seeing each other's rows. */
const uid = (prefix: string) => `${prefix}-${randomUUID().slice(0, 12)}`;

/** A JSON array the store hands out (text or UTF-8 bytes), parsed. */
const parseJson = (json: JsonText): unknown => JSON.parse(typeof json === 'string' ? json : json.toString('utf8'));

function record(
  type: RecordType,
  id: string,
  ownerId: string,
  fields: Record<string, unknown> = {},
  header: Partial<Pick<StoredRecord, 'version' | 'createdMs' | 'updatedMs' | 'deleted'>> = {},
): StoredRecord {
  const version = header.version ?? 1;
  const updatedMs = header.updatedMs ?? 1_000;
  return {
    type,
    id,
    ownerId,
    version,
    createdMs: header.createdMs ?? 1_000,
    updatedMs,
    deleted: header.deleted ?? false,
    // A contract always has a holder and a status (columns of their own).
    data: { id, version, ...(type === 'contract' ? { holderId: 'cl-0', status: 120 } : {}), ...fields },
  };
}

function lifecycleTests(store: Get) {
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

function recordTests(store: Get) {
  it('stores a record and reads it back, header and content', async () => {
    const owner = uid('c');
    const contract = record('contract', uid('ct'), owner, { holderId: 'cl-1', status: 120, note: 'é ✓' });
    await store().transaction((tx) => tx.putRecord(contract));
    const read = await store().transaction((tx) => tx.getRecord('contract', contract.id));
    expect(read).toEqual(contract);
    expect(await store().transaction((tx) => tx.getRecord('client', contract.id))).toBeUndefined();
  });

  it('replaces a record by type and id: a caller compares versions against the committed one', async () => {
    const owner = uid('c');
    const id = uid('cl');
    await store().transaction((tx) => tx.putRecord(record('client', id, owner, { name: 'one' })));
    await store().transaction(async (tx) => {
      const current = await tx.getRecord('client', id);
      expect(current?.version).toBe(1);
      await tx.putRecord(record('client', id, owner, { name: 'two' }, { version: 2, updatedMs: 2_000 }));
    });
    const read = await store().visibleRecord('client', owner, id);
    expect(read?.version).toBe(2);
    expect(read?.updatedMs).toBe(2_000);
    expect(read?.data.name).toBe('two');
    // A version 3 that rolls back leaves version 2.
    await store()
      .transaction(async (tx) => {
        await tx.putRecord(record('client', id, owner, { name: 'three' }, { version: 3 }));
        throw new Error('conflict');
      })
      .catch(() => {});
    expect((await store().visibleRecord('client', owner, id))?.version).toBe(2);
  });

  it('reads many records by id in a transaction, any owner, unknown ids left out', async () => {
    const records = [record('user', uid('u'), uid('c')), record('user', uid('u'), uid('c'))];
    await store().transaction((tx) => tx.putRecords(records));
    const map = await store().transaction((tx) => tx.getRecords('user', [records[1]!.id, 'nope', records[0]!.id]));
    expect([...map.keys()].sort()).toEqual(records.map((r) => r.id).sort());
    expect(map.get(records[0]!.id)?.ownerId).toBe(records[0]!.ownerId);
  });

  it('stores rows of a bulk load with the fields it indexes', async () => {
    const owner = uid('c');
    const holderId = uid('cl');
    const rows: RecordRow[] = Array.from({ length: 3 }, (_, i) => {
      const id = uid(`ct${i}`);
      const fields = { id, holderId, status: 120 };
      return {
        type: 'contract',
        id,
        ownerId: owner,
        version: 1,
        createdMs: 1_000,
        updatedMs: 1_000,
        deleted: false,
        body: JSON.stringify(fields),
        fields,
      };
    });
    await store().transaction((tx) => tx.putRecordRows(rows));
    const found = parseJson(await store().recordsByField('contract', owner, 'holderId', holderId)) as Array<{
      id: string;
    }>;
    expect(found.map((r) => r.id)).toEqual(rows.map((r) => r.id).sort());
    const inTx = await store().transaction((tx) => tx.recordsWhere('contract', 'holderId', holderId));
    expect(inTx.map((r) => r.id)).toEqual(rows.map((r) => r.id).sort());
  });

  it('shows a consumer its own records and public ones, never another consumer’s', async () => {
    const mine = uid('c');
    const theirs = uid('c');
    const own = record('contract', uid('ct'), mine, { holderId: 'h' });
    const other = record('contract', uid('ct'), theirs, { holderId: 'h' });
    const product = record('product', uid('p'), PUBLIC_OWNER);
    const publicFile = record('file', uid('f'), PUBLIC_OWNER, { contractId: '' });
    const ownFile = record('file', uid('f'), mine, { contractId: own.id });
    const otherFile = record('file', uid('f'), theirs, { contractId: other.id });
    await store().transaction((tx) => tx.putRecords([own, other, product, publicFile, ownFile, otherFile]));

    expect(await store().visibleRecord('contract', mine, own.id)).toEqual(own);
    expect(await store().visibleRecord('contract', mine, other.id)).toBeUndefined();
    expect((await store().visibleRecord('product', mine, product.id))?.id).toBe(product.id);
    expect((await store().visibleRecord('file', mine, publicFile.id))?.id).toBe(publicFile.id);
    expect(await store().visibleRecord('file', mine, otherFile.id)).toBeUndefined();

    const files = parseJson(
      await store().recordsByIds('file', mine, [otherFile.id, ownFile.id, publicFile.id]),
    ) as Array<{ id: string }>;
    expect(files.map((f) => f.id)).toEqual([ownFile.id, publicFile.id]);
    const contracts = parseJson(await store().recordsByIds('contract', theirs, [own.id, other.id])) as Array<{
      id: string;
    }>;
    expect(contracts.map((c) => c.id)).toEqual([other.id]);
  });

  it('answers a list by ids in the order asked, each record once, as the stored JSON', async () => {
    const owner = uid('c');
    const [a, b, c] = [uid('u'), uid('u'), uid('u')].map((id, i) => record('user', id, owner, { n: i }));
    await store().transaction((tx) => tx.putRecords([a!, b!, c!]));
    const list = parseJson(await store().recordsByIds('user', owner, [c!.id, a!.id, 'missing', c!.id, b!.id]));
    expect(list).toEqual([c!.data, a!.data, b!.data]);
    expect(parseJson(await store().recordsByIds('user', owner, ['missing']))).toEqual([]);
  });

  it('lists records by a field, by id, visible ones only', async () => {
    const owner = uid('c');
    const externalId = uid('ext');
    const clients = [
      record('client', `${uid('cl')}-b`, owner, { externalId }),
      record('client', uid('cl'), owner, { externalId }),
    ];
    await store().transaction((tx) =>
      tx.putRecords([...clients, record('client', uid('cl'), uid('c'), { externalId })]),
    );
    const found = parseJson(await store().recordsByField('client', owner, 'externalId', externalId)) as Array<{
      id: string;
    }>;
    expect(found.map((c) => c.id)).toEqual(clients.map((c) => c.id).sort());
    expect(parseJson(await store().recordsByField('client', owner, 'externalId', uid('none')))).toEqual([]);
  });

  it('keeps a tombstone: read and listed as changed, not among contracts by status', async () => {
    const owner = uid('c');
    const id = uid('ct');
    await store().transaction((tx) => tx.putRecord(record('contract', id, owner, { status: 120 })));
    expect((await store().contractsByStatus([120], { ownerId: owner })).map((r) => r.id)).toEqual([id]);
    await store().transaction((tx) =>
      tx.putRecord(record('contract', id, owner, { status: 120 }, { version: 2, deleted: true, updatedMs: 3_000 })),
    );
    const tombstone = await store().visibleRecord('contract', owner, id);
    expect(tombstone?.deleted).toBe(true);
    expect(tombstone?.version).toBe(2);
    expect(parseJson((await store().changedIds('contract', owner, 2_500)).idsJson)).toEqual([id]);
    expect(await store().contractsByStatus([120], { ownerId: owner })).toEqual([]);
  });

  it('lists contracts by status, oldest change first, of one owner when asked', async () => {
    const owner = uid('c');
    const late = record('contract', uid('ct'), owner, { status: 230 }, { updatedMs: 5_000 });
    const early = record('contract', uid('ct'), owner, { status: 120 }, { updatedMs: 4_000 });
    const other = record('contract', uid('ct'), owner, { status: 300 }, { updatedMs: 4_500 });
    await store().transaction((tx) => tx.putRecords([late, early, other]));
    const found = await store().contractsByStatus([120, 230], { ownerId: owner });
    expect(found.map((r) => r.id)).toEqual([early.id, late.id]);
    expect((await store().contractsByStatus([120, 230], { ownerId: owner, limit: 1 })).map((r) => r.id)).toEqual([
      early.id,
    ]);
  });

  it('hands out changed ids and a watermark that misses no later write', async () => {
    const owner = uid('c');
    const first = await store().changedIds('user', owner, undefined);
    expect(parseJson(first.idsJson)).toEqual([]);
    const now = await store().nowMs();
    expect(first.untilMs).toBeLessThanOrEqual(now);

    // A write after the watermark, stamped with its transaction's clock (as the core does).
    const id = uid('u');
    await store().transaction((tx) => tx.putRecord(record('user', id, owner, {}, { updatedMs: tx.nowMs })));
    const second = await store().changedIds('user', owner, first.untilMs);
    expect(parseJson(second.idsJson)).toEqual([id]);
    expect(second.untilMs).toBeGreaterThanOrEqual(first.untilMs);

    // Since a watermark after the write: nothing; everything: the one id; another consumer: none.
    const later = await store().changedIds('user', owner, second.untilMs + 1);
    expect(parseJson(later.idsJson)).toEqual([]);
    expect(parseJson((await store().changedIds('user', owner, undefined)).idsJson)).toEqual([id]);
    expect(parseJson((await store().changedIds('user', uid('c'), undefined)).idsJson)).toEqual([]);
  });

  it('answers the same while its indexes are suspended for a bulk load, and after', async () => {
    const owner = uid('c');
    const holderId = uid('cl');
    const restore = await store().suspendRecordIndexes();
    try {
      await store().transaction((tx) => tx.putRecord(record('contract', uid('ct'), owner, { holderId })));
      const during = parseJson(await store().recordsByField('contract', owner, 'holderId', holderId));
      expect(during).toHaveLength(1);
    } finally {
      await restore();
    }
    await store().transaction((tx) => tx.putRecord(record('contract', uid('ct'), owner, { holderId })));
    expect(parseJson(await store().recordsByField('contract', owner, 'holderId', holderId))).toHaveLength(2);
  });
}

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

function consumerTests(store: Get) {
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

function idempotencyTests(store: Get) {
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

  it('deletes keys created before a time', async () => {
    const consumer = uid('c');
    await store().claimIdempotencyKey(consumer, uid('k'), 'h', options(1));
    await store().claimIdempotencyKey(consumer, uid('k'), 'h', options(2));
    expect(await store().deleteIdempotencyKeysBefore(3)).toBeGreaterThanOrEqual(2);
    expect(await store().deleteIdempotencyKeysBefore(3)).toBe(0);
  });
}

function outboxTests(store: Get) {
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

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

function blobTests(store: Get) {
  it('stores bytes by their SHA-256, once per content', async () => {
    const bytes = randomBytes(10_000);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(await store().putBlob(bytes)).toEqual({ sha256, size: bytes.length });
    expect(await store().putBlob(Buffer.from(bytes))).toEqual({ sha256, size: bytes.length });
    const blob = await store().getBlob(sha256);
    expect(blob?.size).toBe(bytes.length);
    expect((await readAll(blob!.open())).equals(bytes)).toBe(true);
  });

  it('reads inclusive ranges, also across large contents', async () => {
    const bytes = randomBytes(2_500_000);
    const { sha256 } = await store().putBlob(bytes);
    const blob = (await store().getBlob(sha256))!;
    for (const [start, end] of [
      [0, 0],
      [10, 19],
      [1_048_570, 2_097_160],
      [2_499_990, 2_499_999],
    ] as const) {
      expect((await readAll(blob.open({ start, end }))).equals(bytes.subarray(start, end + 1))).toBe(true);
    }
  });

  it('knows no blob it did not store, nor a malformed hash', async () => {
    expect(await store().getBlob(createHash('sha256').update(uid('x')).digest('hex'))).toBeUndefined();
    expect(await store().getBlob('../../etc/passwd')).toBeUndefined();
  });
}

function application(change: Partial<ApplicationRow> = {}): ApplicationRow {
  return {
    id: uid('app'),
    status: 'pending',
    statusTokenHash: randomBytes(16).toString('hex'),
    idempotencyKey: uid('idem'),
    requestHash: 'hash',
    company: 'Example GmbH',
    contactName: 'Ana',
    email: 'ana@example.com',
    phone: '+49 30 1234567',
    website: null,
    intendedUse: 'testing',
    callbackUrl: null,
    keySource: 'pasted',
    publicKey: 'PEM',
    createdMs: 1_000,
    decidedMs: null,
    rejectionReason: null,
    consumerId: null,
    privateKey: null,
    privateKeyShownMs: null,
    ...change,
  };
}

function applicationTests(store: Get) {
  it('stores an application once per idempotency key and finds it three ways', async () => {
    const app = application();
    expect(await store().insertApplication(app)).toBe(true);
    expect(await store().insertApplication({ ...application(), idempotencyKey: app.idempotencyKey })).toBe(false);
    expect(await store().findApplication({ id: app.id })).toEqual(app);
    expect(await store().findApplication({ statusTokenHash: app.statusTokenHash })).toEqual(app);
    expect(await store().findApplication({ idempotencyKey: app.idempotencyKey! })).toEqual(app);
    expect(await store().findApplication({ id: uid('none') })).toBeUndefined();
  });

  it('changes an application only while it has the expected status', async () => {
    const app = application();
    await store().insertApplication(app);
    const approval = { status: 'approved' as const, decidedMs: 2_000, consumerId: uid('c') };
    expect(await store().updateApplication(app.id, approval, 'pending')).toBe(true);
    expect(await store().updateApplication(app.id, { status: 'rejected', rejectionReason: 'late' }, 'pending')).toBe(
      false,
    );
    expect(await store().findApplication({ id: app.id })).toEqual({ ...app, ...approval });
    // Without an expected status, the change applies.
    expect(await store().updateApplication(app.id, { privateKeyShownMs: 3_000 })).toBe(true);
    expect((await store().findApplication({ id: app.id }))?.privateKeyShownMs).toBe(3_000);
  });

  it('reads and changes an application in a transaction', async () => {
    const app = application();
    expect(await store().transaction((tx) => tx.insertApplication(app))).toBe(true);
    await store().transaction(async (tx) => {
      expect((await tx.getApplication(app.id))?.status).toBe('pending');
      await tx.updateApplication(app.id, { status: 'rejected', rejectionReason: 'no', decidedMs: 5 });
    });
    expect(await store().findApplication({ id: app.id })).toMatchObject({ status: 'rejected', rejectionReason: 'no' });
  });

  it('lists applications newest first, by status', async () => {
    const older = application({ createdMs: 9_000_000_000_000 });
    const newer = application({ createdMs: 9_000_000_000_001 });
    await store().insertApplication(older);
    await store().insertApplication(newer);
    const listed = (await store().listApplications({ status: 'pending' })).map((a) => a.id);
    expect(listed.slice(0, 2)).toEqual([newer.id, older.id]);
    expect((await store().listApplications({ status: 'approved' })).some((a) => a.id === newer.id)).toBe(false);
  });
}

function adminSessionTests(store: Get) {
  it('stores, reads and deletes a session; deletes those expired before a time', async () => {
    const live = { idHash: uid('s'), csrfToken: 'csrf', createdMs: 1_000, expiresMs: 9_000_000_000_000 };
    const expired = { idHash: uid('s'), csrfToken: 'csrf2', createdMs: 1_000, expiresMs: 2_000 };
    await store().putAdminSession(live);
    await store().putAdminSession(expired);
    expect(await store().adminSession(live.idHash)).toEqual(live);
    expect(await store().deleteAdminSessionsBefore(3_000)).toBeGreaterThanOrEqual(1);
    expect(await store().adminSession(expired.idHash)).toBeUndefined();
    expect(await store().adminSession(live.idHash)).toEqual(live);
    await store().deleteAdminSession(live.idHash);
    expect(await store().adminSession(live.idHash)).toBeUndefined();
  });
}

function auditTests(store: Get) {
  it('appends entries at the transaction’s time and lists them newest first, filtered', async () => {
    const target = uid('c');
    const actor = { kind: 'cli' as const, name: 'tester' };
    const [first, second] = await store().transaction(async (tx) => [
      await tx.appendAudit({ actor, action: 'consumer.added', targetType: 'consumer', targetId: target }),
      await tx.appendAudit({
        actor,
        action: 'consumer.disabled',
        targetType: 'consumer',
        targetId: target,
        detail: { why: 'test' },
      }),
    ]);
    expect(first!.atMs).toBe(second!.atMs);
    const listed = await store().listAudit({ targetId: target });
    expect(listed.map((e) => e.action)).toEqual(['consumer.disabled', 'consumer.added']);
    expect(listed[0]).toEqual({ ...second, actor: { ...actor, address: null } });
    expect((await store().listAudit({ targetId: target, action: 'consumer.added' })).map((e) => e.id)).toEqual([
      first!.id,
    ]);
    expect(await store().listAudit({ targetId: target, sinceMs: first!.atMs + 1 })).toEqual([]);
  });

  it('tells listeners of entries once committed, never of rolled-back ones', async () => {
    const seen: AuditRow[] = [];
    const stop = store().onAudit((entry) => seen.push(entry));
    const target = uid('c');
    const entry = { actor: { kind: 'system' as const, name: 't' }, targetType: 'consumer' as const, targetId: target };
    try {
      await store()
        .transaction(async (tx) => {
          await tx.appendAudit({ ...entry, action: 'consumer.added' });
          throw new Error('rolled back');
        })
        .catch(() => {});
      expect(seen).toEqual([]);
      const row = await store().transaction((tx) => tx.appendAudit({ ...entry, action: 'consumer.enabled' }));
      expect(seen).toEqual([row]);
    } finally {
      stop();
    }
    await store().transaction((tx) => tx.appendAudit({ ...entry, action: 'consumer.disabled' }));
    expect(seen).toHaveLength(1);
    // Both committed (two transactions of one millisecond may list in either order).
    expect((await store().listAudit({ targetId: target })).map((e) => e.action).sort()).toEqual([
      'consumer.disabled',
      'consumer.enabled',
    ]);
  });
}

function rateCountTests(store: Get) {
  it('adds the processes’ counts and hands out the sum of each window', async () => {
    const key = uid('rate');
    const window = 60_000 * 1_000_000;
    const mine = (rows: ReadonlyArray<{ key: string; windowMs: number; count: number }>) =>
      rows.filter((r) => r.key === key);
    expect(mine(await store().syncRateCounts([{ key, windowMs: window, delta: 3 }], window))).toEqual([
      { key, windowMs: window, count: 3 },
    ]);
    expect(mine(await store().syncRateCounts([{ key, windowMs: window, delta: 2 }], window))).toEqual([
      { key, windowMs: window, count: 5 },
    ]);
    expect(mine(await store().syncRateCounts([], window))).toEqual([{ key, windowMs: window, count: 5 }]);
    // Windows before `sinceWindowMs` are not handed out.
    expect(mine(await store().syncRateCounts([], window + 60_000))).toEqual([]);
  });
}
