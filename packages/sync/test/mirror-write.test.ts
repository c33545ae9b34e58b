import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, inject, it } from 'vitest';
import { createPgDatabase } from '../../../test/helpers/postgres.js';
import { openMirror } from '../src/mirror/mirror-store.js';
import type { ProviderRecord, SyncWindow } from '../src/planner.js';

const record = (id: string, version = 1): ProviderRecord => ({
  id,
  version,
  deleted: false,
  updatedAt: '2026-11-28T10:00:00.000Z',
});

async function mirrorTarget(dialect: string) {
  if (dialect === 'postgres') return createPgDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'finum-mirror-write-'));
  return { url: join(dir, 'mirror.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

describe.each(inject('dialects'))('writeChunks on a %s mirror', (dialect) => {
  it('writes a batch of chunks in one transaction: all of them and their pending rows, or none', async () => {
    const target = await mirrorTarget(dialect);
    const mirror = await openMirror(target.url);
    try {
      const window: SyncWindow = { since: null, until: 'W1', warning: null, full: false, chunkCount: 3, listed: 6 };
      const chunks = [
        { index: 0, ids: ['a', 'b'] },
        { index: 1, ids: ['c', 'd'] },
        { index: 2, ids: ['e', 'f'] },
      ];
      await mirror.openWindow('p', 'contract', window, chunks);
      // The second chunk's second record breaks a NOT NULL column: the whole batch rolls back.
      const broken = { ...record('d'), version: null } as unknown as ProviderRecord;
      await expect(
        mirror.writeChunks('p', 'contract', window, [
          { chunk: 0, records: [record('a'), record('b')] },
          { chunk: 1, records: [record('c'), broken] },
        ]),
      ).rejects.toThrow();
      const ids = async () =>
        (await mirror.db.selectFrom('contract').select('id').where('provider', '=', 'p').orderBy('id').execute()).map(
          (r) => r.id,
        );
      expect(await ids()).toEqual([]);
      expect((await mirror.readStream('p', 'contract')).window?.pending).toEqual([0, 1, 2]);

      const tally = await mirror.writeChunks('p', 'contract', window, [
        { chunk: 0, records: [record('a'), record('b')] },
        { chunk: 1, records: [record('c'), record('d', 2)] },
      ]);
      expect(tally).toEqual({ created: 4, updated: 0, deleted: 0, unchanged: 0 });
      expect(await ids()).toEqual(['a', 'b', 'c', 'd']);
      expect((await mirror.readStream('p', 'contract')).window?.pending).toEqual([2]);
      // writeChunk is the batch of one; versions stay guarded.
      expect(await mirror.writeChunk('p', 'contract', window, 2, [record('d', 1), record('e')])).toEqual({
        created: 1,
        updated: 0,
        deleted: 0,
        unchanged: 1,
      });
      expect((await mirror.readStream('p', 'contract')).window?.pending).toEqual([]);
    } finally {
      await mirror.close();
      await target.drop();
    }
  });

  it('a first sync into an empty table inserts without lookups, keeps what a callback wrote meanwhile, and has the updated_at index when the window commits and after a kill', async () => {
    const target = await mirrorTarget(dialect);
    let mirror = await openMirror(target.url);
    const hasIndex = async () => {
      if (dialect !== 'sqlite') return true;
      const { rows } = await sql<{
        name: string;
      }>`select name from sqlite_master where type = 'index' and name = 'contract_updated_at'`.execute(mirror.db);
      return rows.length === 1;
    };
    try {
      const window: SyncWindow = { since: null, until: 'W1', warning: null, full: false, chunkCount: 2, listed: 4 };
      await mirror.openWindow('p', 'contract', window, [
        { index: 0, ids: ['a', 'b'] },
        { index: 1, ids: ['c', 'd'] },
      ]);
      // A callback's newer 'b' and older 'c' arrive while the window is open.
      await mirror.applyRecords('p', 'contract', [record('b', 5), record('c', 1)]);
      expect(
        await mirror.writeChunks('p', 'contract', window, [
          { chunk: 0, records: [record('a'), record('b', 2)] },
          { chunk: 1, records: [record('c', 3), { ...record('d'), deleted: true }] },
        ]),
      ).toEqual({ created: 1, updated: 1, deleted: 1, unchanged: 1 });
      const versions = await mirror.db.selectFrom('contract').select(['id', 'version']).orderBy('id').execute();
      expect(versions.map((r) => [r.id, Number(r.version)])).toEqual([
        ['a', 1],
        ['b', 5],
        ['c', 3],
        ['d', 1],
      ]);
      await mirror.advance('p', 'contract', window, '2026-11-28T11:00:00.000Z');
      expect(await hasIndex()).toBe(true);

      // Another provider's first window, killed before it commits: the next open builds the index.
      await mirror.db.deleteFrom('contract').execute();
      await mirror.openWindow('q', 'contract', { ...window, until: 'W2' }, [{ index: 0, ids: ['x'] }]);
      if (dialect === 'sqlite') expect(await hasIndex()).toBe(false);
      await mirror.close();
      mirror = await openMirror(target.url);
      expect(await hasIndex()).toBe(true);
      // The resumed window writes through the version-guarded path.
      expect(await mirror.writeChunk('q', 'contract', { ...window, until: 'W2' }, 0, [record('x')])).toEqual({
        created: 1,
        updated: 0,
        deleted: 0,
        unchanged: 0,
      });
    } finally {
      await mirror.close();
      await target.drop();
    }
  });
});

describe.each(inject('dialects'))('a staged listing on a %s mirror', (dialect) => {
  it('goes into the database page by page (duplicates dropped, order kept) and opens as a window only with openWindow', async () => {
    const target = await mirrorTarget(dialect);
    const mirror = await openMirror(target.url);
    try {
      const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => `id-${from + i}`);
      // A first stage that a stopped run left behind: the next listing starts afresh.
      const abandoned = await mirror.stageListing('p', 'contract', { chunkSize: 3, full: false });
      await abandoned.add(['old-1', 'old-2', 'old-3', 'old-4']);
      await abandoned.finish();

      // A full listing: more than one flush (20,000 ids), with duplicates within a page and
      // across pages and flushes, all dropped.
      const stage = await mirror.stageListing('p', 'contract', { chunkSize: 3, full: true });
      await stage.add([...ids(0, 15_000), 'id-3']);
      await stage.add([...ids(14_990, 15_010), 'id-0']);
      const staged = await stage.finish();
      expect(staged).toEqual({ listed: 30_000, chunkCount: 10_000 });
      // Not a window yet: nothing to resume, nothing pending in the status.
      expect((await mirror.readStream('p', 'contract')).window).toBeNull();
      expect((await mirror.status('p'))[0]).toMatchObject({ pendingChunks: 0 });

      const window: SyncWindow = {
        since: null,
        until: 'W1',
        warning: null,
        full: true,
        chunkCount: 10_000,
        listed: 30_000,
      };
      await mirror.openWindow('p', 'contract', window);
      const open = await mirror.readStream('p', 'contract');
      expect(open.window?.pending).toHaveLength(10_000);
      expect(await mirror.readChunks('p', 'contract', [0, 1, 4999, 9999])).toEqual([
        { index: 0, ids: ['id-0', 'id-1', 'id-2'] },
        { index: 1, ids: ['id-3', 'id-4', 'id-5'] },
        { index: 4999, ids: ['id-14997', 'id-14998', 'id-14999'] },
        { index: 9999, ids: ['id-29997', 'id-29998', 'id-29999'] },
      ]);
      expect((await mirror.status('p'))[0]).toMatchObject({ pendingChunks: 10_000 });

      // A window whose staged chunks do not match (another process listed meanwhile) is refused.
      // A listing that is not full drops the duplicates near each other too.
      const other = await mirror.stageListing('p', 'client', { chunkSize: 3, full: false });
      await other.add([...ids(0, 2), 'id-0']);
      await other.add(ids(2, 2));
      expect(await other.finish()).toEqual({ listed: 4, chunkCount: 2 });
      expect(await mirror.db.selectFrom('sync_listed_id').select('id').where('type', '=', 'client').execute()).toEqual(
        [],
      );
      await expect(mirror.openWindow('p', 'client', { ...window, chunkCount: 3, listed: 9 })).rejects.toThrow(
        /staged listing has 2 chunks, not 3/,
      );
      expect((await mirror.readStream('p', 'client')).window).toBeNull();
    } finally {
      await mirror.close();
      await target.drop();
    }
  });
});
