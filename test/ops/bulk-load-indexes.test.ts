import { join } from 'node:path';
import { composeRecord, openStore, type Store } from '@finum-sync/server/internal';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/server.js';

const RECORD_TABLES = ['clients', 'products', 'users', 'contracts', 'files'];

/** The record tables' indexes, read from the catalog, not through the store. */
async function recordIndexes(db: TestDatabase): Promise<string[]> {
  if (db.dialect === 'sqlite') {
    const raw = new SqliteDatabase(join(db.dataDir, 'finum-sync.db'), { readonly: true });
    try {
      const names = raw
        .prepare(
          `select name from sqlite_master where type = 'index' and tbl_name in (${RECORD_TABLES.map(() => '?').join(',')})`,
        )
        .pluck()
        .all(...RECORD_TABLES) as string[];
      return names.sort();
    } finally {
      raw.close();
    }
  }
  const client = new pg.Client({ connectionString: db.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`select indexname from pg_indexes where tablename = any($1)`, [RECORD_TABLES]);
    return rows.map((r) => r.indexname as string).sort();
  } finally {
    await client.end();
  }
}

/**
 * PostgreSQL: whether `contracts` has the planner's statistics (pg_stats, written by ANALYZE
 * only) and how many of its pages the visibility map marks all-visible (set by VACUUM only;
 * index-only scans need it).
 */
async function plannerState(db: TestDatabase): Promise<{ analyzed: boolean; allVisiblePages: number }> {
  const client = new pg.Client({ connectionString: db.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select exists (select 1 from pg_stats where tablename = 'contracts' and attname = 'owner_id') as analyzed,
              (select relallvisible from pg_class where oid = 'contracts'::regclass) as "allVisiblePages"`,
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

describe.each(inject('dialects'))('bulk loads without secondary indexes (%s)', (dialect) => {
  let db: TestDatabase;
  const stores: Store[] = [];
  const open = async () => {
    const store = await openStore({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await db.drop();
  });

  it('drops them while loading, builds them again after (PostgreSQL: and vacuums and analyzes); queries answer the same meanwhile', async () => {
    db = await createTestDatabase(dialect);
    const store = await open();
    const initial = await recordIndexes(db);
    expect(initial).toEqual(
      expect.arrayContaining(['contracts_owner_updated', 'contracts_owner_holder', 'files_contract']),
    );

    const restore = await store.suspendRecordIndexes();
    const suspended = await recordIndexes(db);
    expect(suspended).not.toContain('contracts_owner_updated');
    expect(suspended).not.toContain('clients_owner_external');
    // Primary keys stay: ids remain unique.
    expect(suspended.length).toBeGreaterThanOrEqual(RECORD_TABLES.length);

    const meta = {
      ownerId: 'acme',
      version: 1,
      createdMs: 1_700_000_000_000,
      updatedMs: 1_700_000_000_000,
      deleted: false,
    };
    await store.transaction((tx) =>
      tx.putRecords([
        composeRecord('client', { ...meta, id: 'cl-1' }, { type: 'person', lastName: 'Muster', externalId: 'X-1' }),
        composeRecord('contract', { ...meta, id: 'co-1' }, { holderId: 'cl-1', status: 320 }),
      ]),
    );
    expect(JSON.parse(String((await store.changedIds('contract', 'acme', undefined)).idsJson))).toEqual(['co-1']);
    expect(JSON.parse(String(await store.recordsByField('client', 'acme', 'externalId', 'X-1')))).toHaveLength(1);

    await restore();
    expect(await recordIndexes(db)).toEqual(initial);
    if (dialect === 'postgres') expect(await plannerState(db)).toEqual({ analyzed: true, allVisiblePages: 1 });
    expect(JSON.parse(String((await store.changedIds('contract', 'acme', undefined)).idsJson))).toEqual(['co-1']);
    expect(JSON.parse(String(await store.recordsByField('contract', 'acme', 'holderId', 'cl-1')))).toHaveLength(1);
  });

  it('a load that dies before building them: the next open builds them', async () => {
    db = await createTestDatabase(dialect);
    const first = await open();
    const initial = await recordIndexes(db);
    // The seed process killed after suspending: its restore never runs.
    await first.suspendRecordIndexes();
    await first.suspendRecordIndexes(); // a second load meanwhile keeps the list of what the first dropped
    await first.close();
    stores.splice(0);
    expect((await recordIndexes(db)).length).toBeLessThan(initial.length);

    await open();
    expect(await recordIndexes(db)).toEqual(initial);
  });
});
