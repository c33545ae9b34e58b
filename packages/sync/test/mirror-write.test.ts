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
