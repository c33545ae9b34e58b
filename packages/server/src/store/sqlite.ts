import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { withStatementCache } from '@finum-sync/kysely-connections';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, sql } from 'kysely';
import { keptRevision } from './kept-revision.js';
import type { DialectAdapter, RecordsByIdsQuery } from './kysely/dialect.js';
import type { FileBytes, JsonText } from './port.js';
import type { Database } from './schema.js';

/** The aggregate of `T-id-list-updated` (DialectAdapter.idsJson): SQLite writes the JSON array, as bytes. */
export const SQLITE_IDS_JSON = 'cast(json_group_array("id") as blob)';

const HOST = hostname();

/** Temp files of uploads older than this belong to a writer that crashed. */
const STALE_TEMP_MS = 10 * 60_000;

/** Removes what crashed uploads left: dot-named temp files, never content-addressed or referenced. */
function sweepTempFiles(blobDir: string) {
  for (const dir of readdirSync(blobDir)) {
    const path = join(blobDir, dir);
    if (!statSync(path).isDirectory()) continue;
    for (const name of readdirSync(path)) {
      const file = join(path, name);
      if (name.endsWith('.tmp') && statSync(file).mtimeMs < Date.now() - STALE_TEMP_MS) unlinkSync(file);
    }
  }
}

/** Intents older than this are checked for a live writer, and removed when it is gone. */
const STALE_INTENT_MS = 30_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `T-list?id-list=…` on SQLite: the ids as one JSON parameter; CROSS JOIN fixes the order (ids
 * outside, the table inside, looked up by owner and id in the `<table>_owner_id` index), and
 * SQLite concatenates the stored texts in the order of the ids and hands out the bytes
 * (cast … as blob), not a string to be encoded again.
 */
export const sqliteRecordsByIdsQuery: RecordsByIdsQuery = (table, owners, ids) => ({
  sql:
    `select cast('[' || coalesce(group_concat(t."body", ',' order by r."key"), '') || ']' as blob) as "json"` +
    ` from json_each(?) as r cross join "${table}" as t on t."id" = r."value"` +
    ` where t."owner_id" in (${owners.map(() => '?').join(', ')})`,
  parameters: [JSON.stringify(ids), ...owners],
});

/**
 * SQLite on disk (WAL) under `dataDir`: `finum-sync.db`, and file bytes as files named
 * by their SHA-256 under `blobs/`.
 *
 * Watermark: writers in this and other processes (the CLI's import, a second server)
 * first commit a row in `write_intents`, then read their clock inside the write
 * transaction, and delete the row in the same commit as their changes. A reader that
 * reads the clock, then the intents, then the data, can therefore hand out
 * `min(clock, oldest intent)` without missing a change that was still committing.
 */
export function sqliteAdapter(
  dataDir: string,
  options: { busyTimeoutMs?: number; bulkLoad?: boolean } = {},
): DialectAdapter {
  mkdirSync(dataDir, { recursive: true });
  const blobDir = join(dataDir, 'blobs');
  mkdirSync(blobDir, { recursive: true });
  sweepTempFiles(blobDir);
  const file = join(dataDir, 'finum-sync.db');
  const connect = () => {
    const connection = new SqliteDatabase(file);
    connection.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    connection.pragma('foreign_keys = ON');
    // 64 MiB of pages instead of SQLite's 2 MiB: index upkeep and large reads stay in memory.
    connection.pragma('cache_size = -65536');
    return connection;
  };
  const raw = connect();
  raw.pragma('journal_mode = WAL');
  // NORMAL is SQLite's recommendation with WAL: commits survive a crash of the process;
  // only a power loss can lose the last ones. See README "Operations".
  raw.pragma('synchronous = NORMAL');
  if (options.bulkLoad) {
    // Checkpoints every 256 MiB of WAL rather than SQLite's 4 MiB: fewer, larger copies
    // into the database file, each with one fsync, instead of one per transaction.
    raw.pragma('wal_autocheckpoint = 65536');
    // Index builds scan whole tables: through a memory map, not a read call per page.
    raw.pragma('mmap_size = 2000000000');
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
  // WAL lets readers run beside the writer, but only on connections of their own.
  const rawRead = connect();
  const readDb = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(rawRead) }) });

  let lastDataVersion = -1;
  let lastRevision = 0;
  let readRevision: SqliteDatabase.Statement | undefined;
  let dataVersionStatement: SqliteDatabase.Statement | undefined;
  let lastClock = 0;
  // data_version of the read connection changes whenever another connection commits: our
  // writer, the CLI, another process. Only then is the revision read again. Kept for
  // REVISION_KEPT_MS, as on PostgreSQL: a statement costs a WAL read lock on every request.
  const authRevision = keptRevision(() => {
    dataVersionStatement ??= rawRead.prepare('pragma data_version').pluck();
    const dataVersion = dataVersionStatement.get() as number;
    if (dataVersion !== lastDataVersion) {
      lastDataVersion = dataVersion;
      readRevision ??= rawRead.prepare(`select value from meta where key = 'auth_revision'`).pluck();
      lastRevision = Number(readRevision.get() ?? 0);
    }
    return lastRevision;
  });

  /** Date.now() that never runs backwards within this process. */
  const clock = () => {
    lastClock = Math.max(lastClock, Date.now());
    return lastClock;
  };

  async function reapStaleIntents(nowMs: number) {
    const stale = await db
      .selectFrom('write_intents')
      .selectAll()
      .where('started_ms', '<', nowMs - STALE_INTENT_MS)
      .execute();
    const dead = stale.filter((i) => i.host === HOST && !processAlive(Number(i.pid))).map((i) => i.id);
    if (dead.length > 0) await db.deleteFrom('write_intents').where('id', 'in', dead).execute();
    return dead.length;
  }

  const upserts = new Map<string, SqliteDatabase.Statement>();

  const adapter: DialectAdapter = {
    name: 'sqlite',
    db,
    readDb,
    lockRows: false,
    // better-sqlite3 answers a query synchronously.
    readsHoldTheEventLoop: true,

    async recordsByIds(table, owners, ids) {
      const query = sqliteRecordsByIdsQuery(table, owners, ids);
      const { rows } = await readDb.executeQuery<{ json: JsonText | null }>(
        CompiledQuery.raw(query.sql, query.parameters),
      );
      return rows[0]?.json ?? '[]';
    },

    // JSON arrays built by SQLite and handed out as UTF-8 bytes (cast … as blob), not decoded into strings.
    bodiesJson: sql<JsonText>`cast('[' || coalesce(group_concat(${sql.ref('body')}, ',' order by ${sql.ref('id')}), '') || ']' as blob)`,
    idsJson: sql.raw<JsonText | null>(SQLITE_IDS_JSON),

    // Runs on the writer connection, inside the transaction Kysely began on it: one
    // prepared statement, run per row, is several times faster than multi-row statements.
    async recordIndexes(trx, tables) {
      const { rows } = await sql<{ name: string; sql: string }>`
        select name, sql from sqlite_master
        where type = 'index' and sql is not null and tbl_name in (${sql.join(tables)})`.execute(trx);
      return rows;
    },

    async settleBulkLoad() {
      raw.pragma('wal_checkpoint(TRUNCATE)');
    },

    upsertRows(table, columns, rows) {
      const key = `${table}:${columns.join(',')}`;
      let statement = upserts.get(key);
      if (!statement) {
        const updates = columns.filter((c) => c !== 'id').map((c) => `"${c}" = excluded."${c}"`);
        statement = raw.prepare(
          `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values (${columns.map(() => '?').join(', ')})` +
            ` on conflict ("id") do update set ${updates.join(', ')}`,
        );
        upserts.set(key, statement);
      }
      for (const row of rows) statement.run(row);
    },

    async writeTransaction(work, { touchesRecords = true } = {}) {
      const intentId = touchesRecords ? randomUUID() : undefined;
      if (intentId) {
        await db
          .insertInto('write_intents')
          .values({ id: intentId, pid: process.pid, host: HOST, started_ms: clock() })
          .execute();
      }
      let committed = false;
      try {
        return await db.connection().execute(async (conn) => {
          // IMMEDIATE takes the write lock now: no upgrade failure (SQLITE_BUSY) later.
          await sql`begin immediate`.execute(conn);
          try {
            const result = await work(conn, clock());
            if (intentId) await conn.deleteFrom('write_intents').where('id', '=', intentId).execute();
            await sql`commit`.execute(conn);
            committed = true;
            return result;
          } catch (error) {
            await sql`rollback`.execute(conn);
            throw error;
          }
        });
      } finally {
        if (!committed && intentId) await db.deleteFrom('write_intents').where('id', '=', intentId).execute();
      }
    },

    async syncClock() {
      const nowMs = clock();
      const read = async () =>
        (
          await db
            .selectFrom('write_intents')
            .select((eb) => eb.fn.min('started_ms').as('oldest'))
            .executeTakeFirst()
        )?.oldest;
      let oldest = await read();
      if (oldest != null && Number(oldest) < nowMs - STALE_INTENT_MS && (await reapStaleIntents(nowMs)) > 0) {
        oldest = await read();
      }
      return { nowMs, oldestWriteMs: oldest == null ? null : Number(oldest) };
    },

    async nowMs() {
      return clock();
    },

    authRevision: authRevision.read,
    authRevisionCommitted: authRevision.committed,

    async putBlob(bytes) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const dir = join(blobDir, sha256.slice(0, 2));
      const target = join(dir, sha256);
      mkdirSync(dir, { recursive: true });
      // Written also when the same bytes are stored already (perhaps by another consumer):
      // skipping the write would answer such an upload measurably faster (SPEC §4). One file
      // per content all the same. Write aside, flush, then rename: a crash never leaves a
      // half-written blob, and a download already reading the old file reads it to the end.
      const temp = join(dir, `.${sha256}.${randomUUID()}.tmp`);
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(temp, target);
      } catch (error) {
        await unlink(temp).catch(() => {});
        throw error;
      }
      return { sha256, size: bytes.length };
    },

    async getBlob(sha256): Promise<FileBytes | undefined> {
      if (!/^[a-f0-9]{64}$/.test(sha256)) return undefined;
      const path = join(blobDir, sha256.slice(0, 2), sha256);
      try {
        const { size } = await stat(path);
        return {
          size,
          open: (range) => createReadStream(path, range ? { start: range.start, end: range.end } : {}),
        };
      } catch {
        return undefined;
      }
    },

    async close() {
      await readDb.destroy();
      await db.destroy();
    },
  };
  return adapter;
}
