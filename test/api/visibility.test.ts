import { PUBLIC_OWNER, type StoredRecord } from '@finum-sync/server';
import type { RecordType } from '@finum-sync/spec';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectProblem } from '../helpers/problem.js';
import { idsOf, storeFile } from '../helpers/records.js';
import { startTestServer, type TestConsumer, type TestServer, testRecord } from '../helpers/server.js';

/**
 * SPEC §4: a consumer sees every product and product file, and only its own clients,
 * contracts, users and files; another consumer's ids behave exactly like ids that do not
 * exist, through every read endpoint.
 */

const dialects = inject('dialects');
const SHARED_EXTERNAL_ID = 'CRM-4711';
const OWN_TYPES = ['client', 'user', 'contract', 'file'] as const;

describe.each(dialects)('%s', (dialect) => {
  let server: TestServer;
  const consumers: Record<'a' | 'b', TestConsumer> = {} as never;
  /** Ids by owner key ('a', 'b', 'public') and type. */
  const ids: Record<string, Partial<Record<RecordType, string[]>>> = { a: {}, b: {}, public: {} };
  const records = new Map<string, StoredRecord>();

  const remember = (key: string, ...list: StoredRecord[]) => {
    for (const r of list) {
      records.set(r.id, r);
      const byType = ids[key]!;
      byType[r.type] = [...(byType[r.type] ?? []), r.id];
    }
  };

  beforeAll(async () => {
    server = await startTestServer({ dialect });
    for (const key of ['a', 'b'] as const) {
      const c = await server.addConsumer(`broker-${key}`);
      consumers[key] = c;
      const own = [
        testRecord('client', c.id, { externalId: SHARED_EXTERNAL_ID }, { id: `cl-${key}` }),
        testRecord('client', c.id, { externalId: `GONE-${key}` }, { id: `cl-${key}-gone`, deleted: true, version: 2 }),
        testRecord('user', c.id, {}, { id: `us-${key}` }),
        testRecord(
          'contract',
          c.id,
          { holderId: `cl-${key}`, productId: 'pr-active', userId: `us-${key}` },
          { id: `co-${key}` },
        ),
      ];
      await server.putRecords(own);
      remember(key, ...own);
      remember(
        key,
        await storeFile(server, c.id, `fi-${key}`, Buffer.from(`the bytes of ${key}`), { contractId: `co-${key}` }),
      );
    }
    const products = [
      testRecord('product', PUBLIC_OWNER, { active: true }, { id: 'pr-active' }),
      testRecord('product', PUBLIC_OWNER, { active: false }, { id: 'pr-withdrawn' }),
      testRecord('product', PUBLIC_OWNER, {}, { id: 'pr-gone', deleted: true }),
    ];
    await server.putRecords(products);
    remember('public', ...products);
    remember(
      'public',
      await storeFile(server, PUBLIC_OWNER, 'fi-terms', Buffer.from('terms'), {
        productId: 'pr-active',
        category: 'terms',
      }),
    );
  });
  afterAll(() => server?.close());

  const pairs = [
    ['a', 'b'],
    ['b', 'a'],
  ] as const;
  const get = (path: string, who: 'a' | 'b') => server.get(path, consumers[who]);
  /** What `who` may see of a type: its own records, plus the public ones. */
  const visible = (type: RecordType, who: 'a' | 'b') => [...(ids[who]![type] ?? []), ...(ids.public![type] ?? [])];

  describe.each(pairs)('%s asking about %s', (me, other) => {
    it.each(OWN_TYPES)("%s-list leaves the other's ids out, exactly like ids that do not exist", async (type) => {
      const own = ids[me]![type]!;
      const theirs = ids[other]![type]!;
      const res = await get(
        `/v1/${type}-list?id-list=${[theirs[0], own[0], 'no-such-id', ...theirs.slice(1), ...own.slice(1)].join(',')}`,
        me,
      );
      expect(res.status).toBe(200);
      expect(idsOf(res.body)).toEqual(own);
      expect(res.body).toEqual(own.map((id) => records.get(id)!.data));

      const asked = await get(`/v1/${type}-list?id-list=${theirs[0]}`, me);
      const missing = await get(`/v1/${type}-list?id-list=${theirs[0]!.replace(/./g, 'z')}`, me);
      expect([asked.status, asked.text, asked.headers.get('content-length')]).toEqual([
        missing.status,
        missing.text,
        missing.headers.get('content-length'),
      ]);
    });

    it("contract-list?holder-id= of the other's client is empty, like an unknown client", async () => {
      const theirs = await get(`/v1/contract-list?holder-id=cl-${other}`, me);
      const unknown = await get('/v1/contract-list?holder-id=cl-unknown', me);
      expect([theirs.status, theirs.text]).toEqual([200, '[]']);
      expect([unknown.status, unknown.text]).toEqual([200, '[]']);
      const mine = await get(`/v1/contract-list?holder-id=cl-${me}`, me);
      expect(idsOf(mine.body)).toEqual([`co-${me}`]);
    });

    it('client-list?external-id= finds only its own client, though both use the same externalId', async () => {
      const res = await get(`/v1/client-list?external-id=${SHARED_EXTERNAL_ID}`, me);
      expect(res.status).toBe(200);
      expect(idsOf(res.body)).toEqual([`cl-${me}`]);
      const gone = await get(`/v1/client-list?external-id=GONE-${other}`, me);
      expect(gone.text).toBe('[]');
    });

    it.each(['client', 'user', 'contract', 'file', 'product'] as const)(
      '%s-id-list-updated, with and without since, lists exactly what it may see',
      async (type) => {
        const all = await get(`/v1/${type}-id-list-updated`, me);
        expect(all.status).toBe(200);
        expect([...all.body].sort()).toEqual(visible(type, me).sort());
        const since = await get(`/v1/${type}-id-list-updated?since=2000-01-01T00:00:00.000Z`, me);
        expect([...since.body].sort()).toEqual(visible(type, me).sort());
      },
    );

    it("file-download of the other's file is the same 404 as of a file that does not exist", async () => {
      const theirs = await get(`/v1/file-download?id=fi-${other}`, me);
      const unknown = await get('/v1/file-download?id=fi-nope', me);
      expectProblem(theirs, 404);
      expectProblem(unknown, 404);
      expect({ ...theirs.body, detail: theirs.body.detail.replace(`fi-${other}`, 'ID') }).toEqual({
        ...unknown.body,
        detail: unknown.body.detail.replace('fi-nope', 'ID'),
      });
      const mine = await get(`/v1/file-download?id=fi-${me}`, me);
      expect([mine.status, mine.text]).toEqual([200, `the bytes of ${me}`]);
    });

    it('sees every product, the withdrawn one and the tombstone included, and the product file', async () => {
      const products = await get('/v1/product-list?id-list=pr-active,pr-withdrawn,pr-gone', me);
      expect(products.body).toEqual(['pr-active', 'pr-withdrawn', 'pr-gone'].map((id) => records.get(id)!.data));
      expect(products.body.map((p: { active: boolean; deleted: boolean }) => [p.active, p.deleted])).toEqual([
        [true, false],
        [false, false],
        [true, true],
      ]);
      const file = await get(`/v1/file-list?id-list=fi-terms,fi-${other}`, me);
      expect(idsOf(file.body)).toEqual(['fi-terms']);
      const bytes = await get('/v1/file-download?id=fi-terms', me);
      expect([bytes.status, bytes.text]).toEqual([200, 'terms']);
    });

    it('gets its tombstones', async () => {
      const res = await get(`/v1/client-list?id-list=cl-${me}-gone`, me);
      expect(res.body).toEqual([expect.objectContaining({ id: `cl-${me}-gone`, deleted: true, version: 2 })]);
    });
  });

  it("a change of B's records shows up in B's id-list-updated since, never in A's", async () => {
    const before = await get('/v1/client-id-list-updated', 'a');
    const since = before.headers.get('x-sync-until')!;
    await server.store.transaction((tx) =>
      tx.putRecords([
        testRecord('client', consumers.b.id, {}, { id: 'cl-b-new', updatedMs: tx.nowMs }),
        testRecord('product', PUBLIC_OWNER, {}, { id: 'pr-new', updatedMs: tx.nowMs }),
      ]),
    );
    const path = (type: string) => `/v1/${type}-id-list-updated?since=${since}`;
    expect((await get(path('client'), 'a')).body).toEqual([]);
    expect((await get(path('client'), 'b')).body).toEqual(['cl-b-new']);
    expect((await get(path('product'), 'a')).body).toEqual(['pr-new']);
    expect((await get(path('product'), 'b')).body).toEqual(['pr-new']);
  });
});
