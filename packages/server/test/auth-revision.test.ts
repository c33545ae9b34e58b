import { openStore, type Store } from '@finum-sync/server/internal';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/server.js';

/**
 * The auth revision tells every server process that consumers or keys changed. Two processes
 * bumping it at once must count two changes: a lost increment would leave a process that read
 * the first change's revision believing it is current after the second (a revoked key accepted).
 */
describe.each(inject('dialects'))('%s', (dialect) => {
  let db: TestDatabase;
  let stores: Store[];

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    // On PostgreSQL two stores, two connection pools: as two server processes on one database.
    // SQLite has one writer at a time (and better-sqlite3 waits for a lock synchronously, which
    // two stores in one process would turn into a deadlock): one store, its transactions queued.
    stores = [];
    const count = dialect === 'postgres' ? 2 : 1;
    for (let i = 0; i < count; i++) stores.push(await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir }));
  });
  afterAll(async () => {
    for (const store of stores ?? []) await store.close();
    await db?.drop();
  });

  const revision = async () => Number(await stores[0]!.transaction((tx) => tx.getMeta('auth_revision')));

  it('counts every one of 40 concurrent bumps (from two stores on PostgreSQL)', async () => {
    const before = await revision();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        stores[i % stores.length]!.transaction(async (tx) => {
          await tx.bumpAuthRevision();
          // Widen the window between the bump and the commit, where a read-then-write loses one.
          await tx.getMeta('auth_revision');
        }),
      ),
    );
    expect(await revision()).toBe(before + 40);
  });
});
