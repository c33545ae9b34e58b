import { openStore, REVISION_KEPT_MS, type Store } from '@finum-sync/server/internal';
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

/**
 * Each process keeps the revision it read for REVISION_KEPT_MS, so that an authentication
 * costs no read while it is fresh; a bump in another process is seen within that time
 * (issue 10: within 100 ms), a bump in this process at once. (SQLite: two stores in this
 * process stand for two processes; their writes here never overlap.)
 */
describe.each(inject('dialects'))('%s: the kept revision', (dialect) => {
  let db: TestDatabase;
  let here: Store;
  let other: Store;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    here = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    other = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
  });
  afterAll(async () => {
    await here?.close();
    await other?.close();
    await db?.drop();
  });

  const bump = (store: Store) => store.transaction((tx) => tx.bumpAuthRevision());

  it('answers from memory right after a read (a number, no query)', async () => {
    // Right after: a read that took longer than REVISION_KEPT_MS (a loaded machine) is tried again.
    let kept: number | Promise<number> | undefined;
    for (let i = 0; i < 20 && typeof kept !== 'number'; i++) {
      const read = await here.authRevision();
      kept = here.authRevision();
      if (typeof kept === 'number') expect(kept).toBe(read);
    }
    expect(typeof kept).toBe('number');
  });

  it('sees another process’s bump within REVISION_KEPT_MS plus a query, and never before its commit', async () => {
    const before = await here.authRevision();
    await bump(other);
    const bumpedAt = performance.now();
    let seen = await here.authRevision();
    while (seen === before && performance.now() - bumpedAt < 1_000) {
      await new Promise((resolve) => setImmediate(resolve));
      seen = await here.authRevision();
    }
    expect(seen).toBe(before + 1);
    expect(performance.now() - bumpedAt).toBeLessThan(REVISION_KEPT_MS + 50);
  });

  it('sees its own bump at once', async () => {
    const before = await here.authRevision();
    await bump(here);
    // The very next call, in the same turn of the event loop as the commit's return.
    expect(await here.authRevision()).toBe(before + 1);
  });
});
