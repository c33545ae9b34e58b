import type { RecordRow } from '@finum-sync/server/internal';
import { PUBLIC_OWNER } from '@finum-sync/server/internal';
import { expect, it } from 'vitest';
import { type Get, parseJson, record, uid } from './support.js';

/** RecordStore and RecordTx: put/get, versions, visibility by owner, tombstones, the watermark, bulk loads. */
export function recordTests(store: Get) {
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
    expect(parseJson(await store().recordsByIds('user', owner, []))).toEqual([]);
  });

  it('finds records whose ids read as words to the database (null, NULL, true)', async () => {
    // PostgreSQL's array literal reads an unquoted NULL as no value: such ids must still be found.
    const owner = uid('c');
    const words = ['null', 'NULL', 'true', 'default'].map((id, i) => record('user', id, owner, { n: i }));
    await store().transaction((tx) => tx.putRecords(words));
    const list = parseJson(await store().recordsByIds('user', owner, ['NULL', 'null', 'default', 'true']));
    expect(list).toEqual([words[1]!.data, words[0]!.data, words[3]!.data, words[2]!.data]);
    // Characters ids never hold (the port takes any text): found all the same.
    const odd = ['q"uote', 'back\\slash', 'com,ma {}'].map((id, i) =>
      record('user', `${id}-${owner}`, owner, { n: i }),
    );
    await store().transaction((tx) => tx.putRecords(odd));
    const oddList = parseJson(await store().recordsByIds('user', owner, [odd[2]!.id, odd[0]!.id, odd[1]!.id]));
    expect(oddList).toEqual([odd[2]!.data, odd[0]!.data, odd[1]!.data]);
  });

  it('lists changed ids as JSON whatever characters they hold', async () => {
    // PostgreSQL writes the array without escaping control characters, then again with.
    const owner = uid('c');
    const plain = ['a', 'q"uote', 'back\\slash', 'é ✓'].map((id) => record('user', `${id}-${owner}`, owner, {}));
    await store().transaction((tx) => tx.putRecords(plain));
    const sorted = (ids: unknown) => (ids as string[]).slice().sort();
    const ids = async () => sorted(parseJson((await store().changedIds('user', owner, undefined)).idsJson));
    expect(await ids()).toEqual(sorted(plain.map((r) => r.id)));
    const control = record('user', `tab\tline\nbell\u0007-${owner}`, owner, {});
    await store().transaction((tx) => tx.putRecord(control));
    expect(await ids()).toEqual(sorted([...plain, control].map((r) => r.id)));
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
