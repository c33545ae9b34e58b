import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { deadlinePool, withStatementCache } from '@finum-sync/kysely-connections';
import { RECORD_TYPES, type RecordType } from '@finum-sync/spec/constants';
import SqliteDatabase from 'better-sqlite3';
import {
  type Kysely,
  Kysely as KyselyClass,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type Transaction,
} from 'kysely';
import {
  type Chunk,
  ChunkCutter,
  type ProviderRecord,
  type StoredStream,
  type SyncWindow,
  type Tally,
} from '../planner.js';
import {
  MIGRATION_LOCK_TABLE,
  MIGRATION_TABLE,
  type MirrorDatabase,
  mirrorMigrations,
  type StreamRow,
  updatedAtIndex,
} from './schema.js';

/** Counts a written chunk adds to its stream's tally. */
export type WriteTally = Omit<Tally, 'listed' | 'removed'>;

/** One stream's line of `sync status`. */
export interface StreamStatus {
  provider: string;
  type: string;
  watermark: string | null;
  warning: string | null;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** Rows in the mirror, tombstones included, and how many of them are tombstones. */
  records: number;
  tombstones: number;
  /** Chunks of an unfinished window (a run was interrupted). */
  pendingChunks: number;
}

/**
 * A listing on its way into the database: the ids in pages as they arrive, duplicates
 * dropped and order kept, cut into chunks; the chunks wait for `openWindow`, which opens the
 * window over them (a run stopped before that leaves no window: the next one lists again).
 */
export interface ListingStage {
  add(ids: readonly string[]): Promise<void>;
  /** Writes the last chunk; the chunks and distinct ids listed. */
  finish(): Promise<{ chunkCount: number; listed: number }>;
}

export interface StageOptions {
  /** Ids per chunk. */
  chunkSize: number;
  /**
   * A full window's listing: every id is stored (`sync_listed_id`, for the rows the listing
   * no longer names) and duplicates are dropped across the whole listing. Otherwise
   * duplicates are dropped within each `STAGE_FLUSH_IDS` ids; one repeated farther apart
   * (a provider should list an id once) is fetched twice, and the second write finds the
   * same version (`unchanged`).
   */
  full: boolean;
}

/** Ids a listing holds in memory before they go into the database (with their chunks), in one transaction. */
const STAGE_FLUSH_IDS = 20_000;

/** A file record whose bytes the mirror does not hold yet (or holds for another sha256). */
export interface MissingFile {
  id: string;
  sha256: string;
  size: number;
}

/**
 * The mirror database: record tables (SPEC §11) and the engine's state, on SQLite or
 * PostgreSQL through one Kysely implementation. Every method touches one provider's rows only.
 */
export interface MirrorStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** The stream's watermark, its open window and pending chunks. */
  readStream(provider: string, type: RecordType): Promise<StoredStream>;
  /** The ids of an open window's chunks, by index. */
  readChunks(provider: string, type: RecordType, indexes: readonly number[]): Promise<Chunk[]>;
  /** Records that a run starts on the stream. */
  markAttempt(provider: string, type: RecordType, at: string): Promise<void>;
  /**
   * Starts a listing that goes into the database as it arrives (`ListingStage`), so that a
   * listing of any length is never held in memory; `openWindow` without chunks then opens
   * the window over it. Drops the stream's open window, if any: the new listing covers it.
   */
  stageListing(provider: string, type: RecordType, options: StageOptions): Promise<ListingStage>;
  /**
   * Persists a listed window, in one transaction: over the chunks staged by `stageListing`,
   * or over `chunks` (written here). A full window also stores the ids it listed: those
   * staged, or `listedIds`, or without it the chunks' ids.
   */
  openWindow(
    provider: string,
    type: RecordType,
    window: SyncWindow,
    chunks?: readonly Chunk[],
    listedIds?: readonly string[],
  ): Promise<void>;
  /** Upserts one chunk's records (version-guarded) and removes the chunk from the pending ones, in one transaction. */
  writeChunk(
    provider: string,
    type: RecordType,
    window: SyncWindow,
    chunk: number,
    records: readonly ProviderRecord[],
  ): Promise<WriteTally>;
  /**
   * `writeChunk` for several chunks in one transaction (all written, or none): fewer
   * commits, each rewriting fewer index pages per record.
   */
  writeChunks(
    provider: string,
    type: RecordType,
    window: SyncWindow,
    chunks: readonly { readonly chunk: number; readonly records: readonly ProviderRecord[] }[],
  ): Promise<WriteTally>;
  /** Upserts records outside any window (a callback's contract), version-guarded; the watermark does not move. */
  applyRecords(provider: string, type: RecordType, records: readonly ProviderRecord[]): Promise<WriteTally>;
  /**
   * Closes a window whose chunks are all written: stores its watermark (and, for a full
   * window, removes the rows the listing did not name). Resolves to the rows removed.
   */
  advance(provider: string, type: RecordType, window: SyncWindow, at: string): Promise<number>;
  /** Records a failed run of the stream; the watermark stays. */
  markFailure(provider: string, type: RecordType, message: string, at: string): Promise<void>;
  /** `sync reset`: the next run lists everything; old rows stay readable until that window commits. */
  requestReset(provider: string, type: RecordType): Promise<void>;
  status(provider?: string): Promise<StreamStatus[]>;
  /** Non-deleted file records whose bytes are not stored (for their current sha256). */
  missingFiles(provider: string): Promise<MissingFile[]>;
  /** Stores verified bytes and marks the file's content as held. */
  putFileContent(provider: string, fileId: string, sha256: string, bytes: Uint8Array, at: string): Promise<void>;
  /** The bytes held for a sha256, if any. */
  getBlob(sha256: string): Promise<Uint8Array | undefined>;
  /** Kysely over the mirror, for queries of its users and tests. */
  readonly db: Kysely<MirrorDatabase>;
  close(): Promise<void>;
}

export const isPostgresUrl = (value: string) => /^postgres(ql)?:\/\//.test(value);

/** The default mirror database (SPEC §11). */
export const DEFAULT_MIRROR_PATH = './finum-mirror.db';

const SQLITE_BATCH_ROWS = 1000;

/**
 * Opens (and migrates) a mirror: a `postgres://` URL or a SQLite file path.
 *
 * @example
 * const mirror = await openMirror('./finum-mirror.db');
 * const rows = await mirror.db.selectFrom('contract').selectAll().where('provider', '=', 'acme').execute();
 */
export async function openMirror(database: string = DEFAULT_MIRROR_PATH): Promise<MirrorStore> {
  const postgres = isPostgresUrl(database);
  let db: Kysely<MirrorDatabase>;
  let blobDir: string | undefined;
  let sqliteConnection: SqliteDatabase.Database | undefined;
  if (postgres) {
    // pg is loaded for a PostgreSQL mirror only: a SQLite run (and every CLI start) skips it.
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({
      connectionString: database,
      max: 8,
      connectionTimeoutMillis: 10_000,
      // int8 sizes are safe as numbers.
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === 20
            ? (v: string) => Number(v)
            : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    });
    pool.on('error', () => {});
    // pg's callback API (deadlinePool, no deadline): its promise API kept result rows alive past two scavenges.
    db = new KyselyClass<MirrorDatabase>({ dialect: new PostgresDialect({ pool: deadlinePool(pool, 0) }) });
  } else {
    const file = resolve(database);
    mkdirSync(dirname(file), { recursive: true });
    const connection = new SqliteDatabase(file);
    sqliteConnection = connection;
    connection.pragma('journal_mode = WAL');
    connection.pragma('synchronous = NORMAL');
    connection.pragma('busy_timeout = 15000');
    // 16 MiB of pages: the engine's memory stays bounded whatever the mirror's size.
    connection.pragma('cache_size = -16384');
    // Checkpoint the WAL every 256 MiB instead of SQLite's 4 MiB: a checkpoint copies the
    // pages into the database and syncs both files, which at 4 MiB (every few chunks of an
    // initial sync) took a third of the engine's time. The file is cut back to 64 MiB after
    // each checkpoint, so the disk holds no more than that between runs.
    connection.pragma('wal_autocheckpoint = 65536');
    connection.pragma('journal_size_limit = 67108864');
    db = new KyselyClass<MirrorDatabase>({
      dialect: new SqliteDialect({ database: withStatementCache(connection, 64) }),
    });
    // Content-addressed file bytes beside the database.
    blobDir = `${file}.files`;
  }
  const migrator = new Migrator({
    db,
    provider: mirrorMigrations(postgres ? 'postgres' : 'sqlite'),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new MirrorError(`mirror migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`);
  }
  // A run killed inside a full window that dropped a secondary index (see openWindow) left it out.
  if (!postgres) for (const type of RECORD_TYPES) await createUpdatedAtIndex(db, type);
  return new KyselyMirror(db, postgres ? 'postgres' : 'sqlite', blobDir, sqliteConnection);
}

/** SQLite: builds a record table's `updated_at` index if it is missing (one sort of the table's rows). */
const createUpdatedAtIndex = (db: Kysely<MirrorDatabase> | Transaction<MirrorDatabase>, type: RecordType) =>
  sql`create index if not exists ${sql.id(updatedAtIndex(type))} on ${sql.table(type)} (provider, updated_at)`.execute(
    db,
  );

/** A failure of the mirror database (exit 1). */
export class MirrorError extends Error {
  override name = 'MirrorError';
}

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The engine's state tables of a stream. */
type StreamStateTable = 'sync_window' | 'sync_pending_chunk' | 'sync_listed_id';

/** Deletes a stream's rows of the given state tables. */
async function clearStreamState(
  trx: Transaction<MirrorDatabase>,
  provider: string,
  type: RecordType,
  tables: readonly StreamStateTable[],
) {
  for (const table of tables) {
    await trx.deleteFrom(table).where('provider', '=', provider).where('type', '=', type).execute();
  }
}

/** The stream's chunks in `sync_pending_chunk`: an open window's unfinished ones, or a listing's staged ones. */
async function pendingChunkCount(trx: Transaction<MirrorDatabase>, provider: string, type: RecordType) {
  const row = await trx
    .selectFrom('sync_pending_chunk')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('provider', '=', provider)
    .where('type', '=', type)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

class KyselyMirror implements MirrorStore {
  constructor(
    readonly db: Kysely<MirrorDatabase>,
    readonly dialect: 'sqlite' | 'postgres',
    private readonly blobDir: string | undefined,
    /**
     * SQLite: the connection under Kysely, for the chunk writes. Kysely's driver holds it
     * for the whole transaction, so statements run on it belong to that transaction; one
     * prepared statement run per row is several times faster than a built multi-row insert.
     */
    private readonly sqlite?: SqliteDatabase.Database,
  ) {}

  private readonly sqliteStatements = new Map<string, SqliteDatabase.Statement>();

  /**
   * SQLite: the streams (`provider\0type`) whose open window this process opened while the
   * provider had no rows in the type's table. Their chunks are inserted first and looked up
   * only where an insert meets a row (a callback's, another process's), see `insertNewSqlite`.
   */
  private readonly emptyAtOpen = new Set<string>();

  private sqliteStatement(text: string): SqliteDatabase.Statement {
    let statement = this.sqliteStatements.get(text);
    if (!statement) {
      statement = this.sqlite!.prepare(text);
      this.sqliteStatements.set(text, statement);
    }
    return statement;
  }

  /** The mirror rows' versions among `ids` (PostgreSQL; SQLite reads them in `upsertSqlite`). */
  private async existingVersions(
    trx: Transaction<MirrorDatabase>,
    provider: string,
    type: RecordType,
    ids: readonly string[],
  ): Promise<Map<string, { version: number; deleted: boolean }>> {
    const existing = new Map<string, { version: number; deleted: boolean }>();
    for (let at = 0; at < ids.length; at += SQLITE_BATCH_ROWS) {
      const rows = await trx
        .selectFrom(type)
        .select(['id', 'version', 'deleted'])
        .where('provider', '=', provider)
        .where('id', 'in', ids.slice(at, at + SQLITE_BATCH_ROWS))
        .execute();
      for (const row of rows) existing.set(row.id, { version: Number(row.version), deleted: Boolean(row.deleted) });
    }
    return existing;
  }

  private bool(value: boolean): number | boolean {
    return this.dialect === 'postgres' ? value : value ? 1 : 0;
  }

  /** Creates the stream's row if it is new. */
  private async ensureStream(
    trx: Kysely<MirrorDatabase> | Transaction<MirrorDatabase>,
    provider: string,
    type: RecordType,
  ) {
    await trx
      .insertInto('sync_stream')
      .values({
        provider,
        type,
        watermark: null,
        watermark_warning: null,
        last_attempt_at: null,
        last_success_at: null,
        last_error: null,
        last_error_at: null,
        reset_requested: 0,
      })
      .onConflict((oc) => oc.columns(['provider', 'type']).doNothing())
      .execute();
  }

  async readStream(provider: string, type: RecordType): Promise<StoredStream> {
    const stream = await this.db
      .selectFrom('sync_stream')
      .selectAll()
      .where('provider', '=', provider)
      .where('type', '=', type)
      .executeTakeFirst();
    const window = await this.db
      .selectFrom('sync_window')
      .selectAll()
      .where('provider', '=', provider)
      .where('type', '=', type)
      .executeTakeFirst();
    let open: StoredStream['window'] = null;
    if (window) {
      const pending = await this.db
        .selectFrom('sync_pending_chunk')
        .select('chunk')
        .where('provider', '=', provider)
        .where('type', '=', type)
        .orderBy('chunk')
        .execute();
      open = {
        window: {
          since: window.since,
          until: window.until,
          warning: window.warning,
          full: window.full === 1,
          chunkCount: window.chunk_count,
          listed: window.listed,
        },
        pending: pending.map((p) => Number(p.chunk)),
      };
    }
    return { watermark: stream?.watermark ?? null, window: open, resetRequested: stream?.reset_requested === 1 };
  }

  async readChunks(provider: string, type: RecordType, indexes: readonly number[]): Promise<Chunk[]> {
    if (indexes.length === 0) return [];
    const rows = await this.db
      .selectFrom('sync_pending_chunk')
      .select(['chunk', 'ids'])
      .where('provider', '=', provider)
      .where('type', '=', type)
      .where('chunk', 'in', indexes)
      .execute();
    const byIndex = new Map(rows.map((r) => [Number(r.chunk), JSON.parse(r.ids) as string[]]));
    return indexes.map((index) => {
      const ids = byIndex.get(index);
      if (!ids)
        throw new MirrorError(`${provider}/${type}: chunk ${index} of the open window is gone (another process?)`);
      return { index, ids };
    });
  }

  async markAttempt(provider: string, type: RecordType, at: string) {
    await this.ensureStream(this.db, provider, type);
    await this.db
      .updateTable('sync_stream')
      .set({ last_attempt_at: at })
      .where('provider', '=', provider)
      .where('type', '=', type)
      .execute();
  }

  async stageListing(provider: string, type: RecordType, { chunkSize, full }: StageOptions): Promise<ListingStage> {
    await this.db.transaction().execute(async (trx) => {
      await this.ensureStream(trx, provider, type);
      await clearStreamState(trx, provider, type, ['sync_window', 'sync_pending_chunk', 'sync_listed_id']);
    });
    this.emptyAtOpen.delete(`${provider}\0${type}`);
    let buffer: string[] = [];
    const cutter = new ChunkCutter(chunkSize);
    let listed = 0;
    const flush = async (last: boolean) => {
      const ids = buffer;
      buffer = [];
      await this.db.transaction().execute(async (trx) => {
        const chunks: Chunk[] = [];
        const distinct = [...new Set(ids)];
        for (const id of full ? await this.insertListedIds(trx, provider, type, distinct) : distinct) {
          listed++;
          const chunk = cutter.add(id);
          if (chunk) chunks.push(chunk);
        }
        const lastChunk = last ? cutter.finish() : undefined;
        if (lastChunk) chunks.push(lastChunk);
        await this.insertPendingChunks(trx, provider, type, chunks);
      });
    };
    return {
      async add(ids) {
        for (const id of ids) buffer.push(id);
        if (buffer.length >= STAGE_FLUSH_IDS) await flush(false);
      },
      async finish() {
        await flush(true);
        return { chunkCount: cutter.chunkCount, listed };
      },
    };
  }

  /** Stores distinct listed ids (`sync_listed_id`); resolves to those the listing did not hold yet, in order. */
  private async insertListedIds(
    trx: Transaction<MirrorDatabase>,
    provider: string,
    type: RecordType,
    distinct: readonly string[],
  ): Promise<readonly string[]> {
    const fresh = new Set<string>();
    for (let at = 0; at < distinct.length; at += SQLITE_BATCH_ROWS) {
      const inserted = await trx
        .insertInto('sync_listed_id')
        .values(distinct.slice(at, at + SQLITE_BATCH_ROWS).map((id) => ({ provider, type, id })))
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .execute();
      for (const row of inserted) fresh.add(row.id);
    }
    return fresh.size === distinct.length ? distinct : distinct.filter((id) => fresh.has(id));
  }

  private async insertPendingChunks(
    trx: Transaction<MirrorDatabase>,
    provider: string,
    type: RecordType,
    chunks: readonly Chunk[],
  ) {
    for (let at = 0; at < chunks.length; at += 100) {
      await trx
        .insertInto('sync_pending_chunk')
        .values(chunks.slice(at, at + 100).map((c) => ({ provider, type, chunk: c.index, ids: JSON.stringify(c.ids) })))
        .execute();
    }
  }

  async openWindow(
    provider: string,
    type: RecordType,
    window: SyncWindow,
    chunks?: readonly Chunk[],
    listedIds?: readonly string[],
  ) {
    await this.db.transaction().execute(async (trx) => {
      await this.ensureStream(trx, provider, type);
      await trx.deleteFrom('sync_window').where('provider', '=', provider).where('type', '=', type).execute();
      this.emptyAtOpen.delete(`${provider}\0${type}`);
      if (chunks) {
        // Given chunks replace whatever was staged.
        await clearStreamState(trx, provider, type, ['sync_pending_chunk', 'sync_listed_id']);
      }
      if (this.sqlite) {
        // A first sync (or a reset's full window) into an empty table: SQLite would update the `updated_at` index row by
        // row in random order, rewriting many of its pages at every commit; building it once
        // when the window commits (advance) costs a fraction. The rows are the same either way.
        const any = await sql`select 1 as one from ${sql.table(type)} limit 1`.execute(trx);
        if (any.rows.length === 0) await sql`drop index if exists ${sql.id(updatedAtIndex(type))}`.execute(trx);
        const mine = await sql`select 1 as one from ${sql.table(type)} where provider = ${provider} limit 1`.execute(
          trx,
        );
        if (mine.rows.length === 0) this.emptyAtOpen.add(`${provider}\0${type}`);
      }
      await trx
        .insertInto('sync_window')
        .values({
          provider,
          type,
          since: window.since,
          until: window.until,
          warning: window.warning,
          full: window.full ? 1 : 0,
          chunk_count: window.chunkCount,
          listed: window.listed,
          opened_at: new Date().toISOString(),
        })
        .execute();
      if (!chunks) {
        // The staged chunks are this listing's, unless another process listed the same stream meanwhile.
        const staged = await pendingChunkCount(trx, provider, type);
        if (staged !== window.chunkCount) {
          throw new MirrorError(
            `${provider}/${type}: the staged listing has ${staged} chunks, not ${window.chunkCount} (another process listed the stream?)`,
          );
        }
        return;
      }
      await this.insertPendingChunks(trx, provider, type, chunks);
      if (window.full) {
        // Without listedIds, the chunks' ids (the same ids, without a copy of the whole list).
        const lists = listedIds ? [listedIds] : chunks.map((c) => c.ids);
        for (const ids of lists) {
          for (let at = 0; at < ids.length; at += SQLITE_BATCH_ROWS) {
            await trx
              .insertInto('sync_listed_id')
              .values(ids.slice(at, at + SQLITE_BATCH_ROWS).map((id) => ({ provider, type, id })))
              .onConflict((oc) => oc.doNothing())
              .execute();
          }
        }
      }
    });
  }

  async writeChunk(
    provider: string,
    type: RecordType,
    window: SyncWindow,
    chunk: number,
    records: readonly ProviderRecord[],
  ): Promise<WriteTally> {
    return this.writeChunks(provider, type, window, [{ chunk, records }]);
  }

  async writeChunks(
    provider: string,
    type: RecordType,
    window: SyncWindow,
    chunks: readonly { readonly chunk: number; readonly records: readonly ProviderRecord[] }[],
  ): Promise<WriteTally> {
    const tally: WriteTally = { created: 0, updated: 0, deleted: 0, unchanged: 0 };
    const add = (t: WriteTally) => {
      tally.created += t.created;
      tally.updated += t.updated;
      tally.deleted += t.deleted;
      tally.unchanged += t.unchanged;
    };
    if (this.sqlite) {
      const sqlite = this.sqlite;
      // One synchronous better-sqlite3 transaction (no awaits between its statements), run
      // while Kysely's driver holds the connection for us, so no other query of this
      // process runs inside it; Kysely's begin, delete and commit cost a quarter of a chunk.
      return this.db.connection().execute(async () =>
        sqlite
          .transaction(() => {
            const done = this.sqliteStatement(
              'delete from sync_pending_chunk where provider = ? and type = ? and chunk = ?',
            );
            const fresh = this.emptyAtOpen.has(`${provider}\0${type}`);
            for (const { chunk, records } of chunks) {
              let rest = records;
              if (fresh) {
                const inserted = this.insertNewSqlite(provider, type, records);
                add(inserted.tally);
                rest = inserted.rest;
              }
              if (rest.length > 0) add(this.upsertSqlite(provider, type, window.full, rest));
              done.run(provider, type, chunk);
            }
            return tally;
          })
          .immediate(),
      );
    }
    return this.db.transaction().execute(async (trx) => {
      for (const { chunk, records } of chunks) {
        add(await this.upsert(trx, provider, type, window.full, records));
        await trx
          .deleteFrom('sync_pending_chunk')
          .where('provider', '=', provider)
          .where('type', '=', type)
          .where('chunk', '=', chunk)
          .execute();
      }
      return tally;
    });
  }

  async applyRecords(provider: string, type: RecordType, records: readonly ProviderRecord[]): Promise<WriteTally> {
    return this.db.transaction().execute((trx) => this.upsert(trx, provider, type, false, records));
  }

  /**
   * SQLite, a first sync of the stream: inserts every record whose id has no row, without
   * looking the ids up first (a fifth of the write). The records whose id has a row (written
   * meanwhile by a callback or another process) are returned for `upsertSqlite`'s guarded path.
   */
  private insertNewSqlite(
    provider: string,
    type: RecordType,
    records: readonly ProviderRecord[],
  ): { tally: WriteTally; rest: ProviderRecord[] } {
    const tally: WriteTally = { created: 0, updated: 0, deleted: 0, unchanged: 0 };
    const rest: ProviderRecord[] = [];
    const insert = this.sqliteStatement(
      `insert into "${type}" (provider, id, version, deleted, updated_at, record, synced_at) values (?, ?, ?, ?, ?, ?, ?)` +
        ' on conflict (provider, id) do nothing',
    );
    const syncedAt = new Date().toISOString();
    for (const record of records) {
      const deleted = record.deleted === true;
      const { changes } = insert.run(
        provider,
        record.id,
        record.version,
        deleted ? 1 : 0,
        record.updatedAt,
        JSON.stringify(record),
        syncedAt,
      );
      if (changes === 0) rest.push(record);
      else if (deleted) tally.deleted++;
      else tally.created++;
    }
    return { tally, rest };
  }

  /** SQLite: `upsert` as plain statements on the connection, inside the caller's transaction. */
  private upsertSqlite(
    provider: string,
    type: RecordType,
    full: boolean,
    records: readonly ProviderRecord[],
  ): WriteTally {
    const rows = this.sqliteStatement(
      `select id, version, deleted from "${type}" where provider = ? and id in (select value from json_each(?))`,
    ).all(provider, JSON.stringify(records.map((r) => r.id))) as { id: string; version: number; deleted: number }[];
    const existing = new Map<string, { version: number; deleted: boolean }>();
    for (const row of rows) existing.set(row.id, { version: row.version, deleted: row.deleted === 1 });
    const { tally, writes } = this.planWrites(provider, full, records, existing);
    // The guard in SQL too: another process writing the same stream never goes back in versions.
    const upsert = this.sqliteStatement(
      `insert into "${type}" (provider, id, version, deleted, updated_at, record, synced_at) values (?, ?, ?, ?, ?, ?, ?)` +
        ' on conflict (provider, id) do update set version = excluded.version, deleted = excluded.deleted,' +
        ' updated_at = excluded.updated_at, record = excluded.record, synced_at = excluded.synced_at' +
        ` where "${type}".version ${full ? '<>' : '<'} excluded.version`,
    );
    for (const w of writes) upsert.run(w.provider, w.id, w.version, w.deleted, w.updated_at, w.record, w.synced_at);
    return tally;
  }

  /** The records newer than the mirror's rows (any other version, in a full window), as rows, and what happens to each. */
  private planWrites(
    provider: string,
    full: boolean,
    records: readonly ProviderRecord[],
    existing: Map<string, { version: number; deleted: boolean }>,
  ): { tally: WriteTally; writes: MirrorDatabase[RecordType][] } {
    const tally: WriteTally = { created: 0, updated: 0, deleted: 0, unchanged: 0 };
    const syncedAt = new Date().toISOString();
    const writes: MirrorDatabase[RecordType][] = [];
    for (const record of records) {
      const before = existing.get(record.id);
      const newer =
        before === undefined || (full ? record.version !== before.version : record.version > before.version);
      if (!newer) {
        tally.unchanged++;
        continue;
      }
      if (record.deleted && !before?.deleted) tally.deleted++;
      else if (before === undefined) tally.created++;
      else tally.updated++;
      writes.push({
        provider,
        id: record.id,
        version: record.version,
        deleted: this.bool(record.deleted === true),
        updated_at: record.updatedAt,
        record: JSON.stringify(record),
        synced_at: syncedAt,
      });
    }
    return { tally, writes };
  }

  /**
   * Writes the records newer than the mirror's rows (any other version, in a full window)
   * and counts what happened to each.
   */
  private async upsert(
    trx: Transaction<MirrorDatabase>,
    provider: string,
    type: RecordType,
    full: boolean,
    records: readonly ProviderRecord[],
  ): Promise<WriteTally> {
    if (this.sqlite) return this.upsertSqlite(provider, type, full, records);
    const existing = await this.existingVersions(
      trx,
      provider,
      type,
      records.map((r) => r.id),
    );
    const { tally, writes } = this.planWrites(provider, full, records, existing);
    for (let at = 0; at < writes.length; at += SQLITE_BATCH_ROWS) {
      await trx
        .insertInto(type)
        .values(writes.slice(at, at + SQLITE_BATCH_ROWS))
        .onConflict((oc) =>
          oc
            .columns(['provider', 'id'])
            .doUpdateSet((eb) => ({
              version: eb.ref('excluded.version'),
              deleted: eb.ref('excluded.deleted'),
              updated_at: eb.ref('excluded.updated_at'),
              record: eb.ref('excluded.record'),
              synced_at: eb.ref('excluded.synced_at'),
            }))
            // The guard in SQL too: another process writing the same stream never goes back in versions.
            .where(`${type}.version` as 'version', full ? '<>' : '<', (eb) => eb.ref('excluded.version')),
        )
        .execute();
    }
    return tally;
  }

  async advance(provider: string, type: RecordType, window: SyncWindow, at: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      // The planner only advances an empty window; the database says so too.
      if ((await pendingChunkCount(trx, provider, type)) > 0)
        throw new MirrorError(`${provider}/${type}: chunks still pending; not advancing`);
      let removed = 0;
      if (window.full) {
        const result = await trx
          .deleteFrom(type)
          .where('provider', '=', provider)
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('sync_listed_id')
                  .select('sync_listed_id.id')
                  .whereRef('sync_listed_id.id', '=', `${type}.id` as 'id')
                  .where('sync_listed_id.provider', '=', provider)
                  .where('sync_listed_id.type', '=', type),
              ),
            ),
          )
          .executeTakeFirst();
        removed = Number(result.numDeletedRows);
      }
      await clearStreamState(trx, provider, type, ['sync_window', 'sync_listed_id']);
      await this.ensureStream(trx, provider, type);
      await trx
        .updateTable('sync_stream')
        .set({
          watermark: window.until,
          watermark_warning: window.warning,
          last_success_at: at,
          last_error: null,
          last_error_at: null,
          reset_requested: 0,
        })
        .where('provider', '=', provider)
        .where('type', '=', type)
        .execute();
      // Dropped by openWindow for a first sync; committed with the watermark.
      if (this.sqlite) await createUpdatedAtIndex(trx, type);
      this.emptyAtOpen.delete(`${provider}\0${type}`);
      return removed;
    });
  }

  async markFailure(provider: string, type: RecordType, message: string, at: string) {
    await this.ensureStream(this.db, provider, type);
    await this.db
      .updateTable('sync_stream')
      .set({ last_error: message, last_error_at: at })
      .where('provider', '=', provider)
      .where('type', '=', type)
      .execute();
  }

  async requestReset(provider: string, type: RecordType) {
    await this.ensureStream(this.db, provider, type);
    await this.db.transaction().execute(async (trx) => {
      // An unfinished window would be resumed first: drop it, the full window covers it.
      await clearStreamState(trx, provider, type, ['sync_window', 'sync_pending_chunk', 'sync_listed_id']);
      await trx
        .updateTable('sync_stream')
        .set({ reset_requested: 1 })
        .where('provider', '=', provider)
        .where('type', '=', type)
        .execute();
    });
  }

  async status(provider?: string): Promise<StreamStatus[]> {
    let query = this.db.selectFrom('sync_stream').selectAll().orderBy('provider').orderBy('type');
    if (provider !== undefined) query = query.where('provider', '=', provider);
    const streams: StreamRow[] = await query.execute();
    const out: StreamStatus[] = [];
    for (const s of streams) {
      const type = s.type as RecordType;
      const counts = await this.db
        .selectFrom(type)
        .select((eb) => [
          eb.fn.countAll<number>().as('records'),
          eb.fn.sum<number>(eb.case().when('deleted', '=', this.bool(true)).then(1).else(0).end()).as('tombstones'),
        ])
        .where('provider', '=', s.provider)
        .executeTakeFirst();
      // Chunks of an open window only: a listing under way (or stopped) stages chunks before its window opens.
      const pending = await this.db
        .selectFrom('sync_pending_chunk')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('provider', '=', s.provider)
        .where('type', '=', s.type)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('sync_window')
              .select('sync_window.provider')
              .where('sync_window.provider', '=', s.provider)
              .where('sync_window.type', '=', s.type),
          ),
        )
        .executeTakeFirst();
      out.push({
        provider: s.provider,
        type: s.type,
        watermark: s.watermark,
        warning: s.watermark_warning,
        lastAttemptAt: s.last_attempt_at,
        lastSuccessAt: s.last_success_at,
        lastError: s.last_error,
        lastErrorAt: s.last_error_at,
        records: Number(counts?.records ?? 0),
        tombstones: Number(counts?.tombstones ?? 0),
        pendingChunks: Number(pending?.n ?? 0),
      });
    }
    return out;
  }

  async missingFiles(provider: string): Promise<MissingFile[]> {
    const rows = await this.db
      .selectFrom('file')
      .leftJoin('sync_file_content as c', (join) =>
        join.onRef('c.provider', '=', 'file.provider').onRef('c.id', '=', 'file.id'),
      )
      .select(['file.id', 'file.record', 'c.sha256 as held'])
      .where('file.provider', '=', provider)
      .where('file.deleted', '=', this.bool(false))
      .execute();
    const missing: MissingFile[] = [];
    for (const row of rows) {
      const record = (typeof row.record === 'string' ? JSON.parse(row.record) : row.record) as {
        sha256?: string;
        size?: number;
      };
      if (typeof record.sha256 === 'string' && record.sha256 !== row.held) {
        missing.push({ id: row.id, sha256: record.sha256, size: Number(record.size ?? 0) });
      }
    }
    return missing;
  }

  async putFileContent(provider: string, fileId: string, sha256: string, bytes: Uint8Array, at: string) {
    if (sha256Of(bytes) !== sha256) throw new MirrorError(`file ${fileId}: bytes do not match sha256 ${sha256}`);
    if (this.blobDir) await this.writeBlobFile(sha256, bytes);
    await this.db.transaction().execute(async (trx) => {
      if (!this.blobDir) {
        await trx
          .insertInto('sync_blob')
          .values({ sha256, bytes })
          .onConflict((oc) => oc.column('sha256').doNothing())
          .execute();
      }
      await trx
        .insertInto('sync_file_content')
        .values({ provider, id: fileId, sha256, size: bytes.length, stored_at: at })
        .onConflict((oc) => oc.columns(['provider', 'id']).doUpdateSet({ sha256, size: bytes.length, stored_at: at }))
        .execute();
    });
  }

  /** Content-addressed: `<db>.files/ab/abcd…`, written aside and renamed so a crash never leaves half a file. */
  private async writeBlobFile(sha256: string, bytes: Uint8Array) {
    const dir = join(this.blobDir!, sha256.slice(0, 2));
    const target = join(dir, sha256);
    try {
      await stat(target);
      return;
    } catch {}
    mkdirSync(dir, { recursive: true });
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
  }

  async getBlob(sha256: string): Promise<Uint8Array | undefined> {
    if (!/^[a-f0-9]{64}$/.test(sha256)) return undefined;
    if (this.blobDir) {
      try {
        return await readFile(join(this.blobDir, sha256.slice(0, 2), sha256));
      } catch {
        return undefined;
      }
    }
    const row = await this.db.selectFrom('sync_blob').select('bytes').where('sha256', '=', sha256).executeTakeFirst();
    return row?.bytes;
  }

  async close() {
    await this.db.destroy();
  }
}
