import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { deadlinePool } from '@finum-sync/kysely-connections';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { JsonArrayWriter } from './json-array.js';
import { keptRevision } from './kept-revision.js';
import type { DialectAdapter, RecordsByIdsQuery } from './kysely/dialect.js';
import type { FileBytes, JsonText } from './port.js';
import type { Database, RecordTable } from './schema.js';

const BLOB_CHUNK = 1024 * 1024;

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** `statement_timeout` of every connection in ms (default 30 000; 0 = none). */
  statementTimeoutMs?: number;
  /** `synchronous_commit` (default on): off lets commits return before the WAL is on disk (bulk loads). */
  synchronousCommit?: boolean;
}

/** bigint (int8) columns hold epoch milliseconds and sizes: safe as JavaScript numbers. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * `T-list?id-list=…` on PostgreSQL: the ids in the order asked (`with ordinality`), each looked
 * up in the `<table>_owner_id` index, the rows sent in that order as they are found, so that
 * the server sends them on while the rest are still being read (the plan is a nested loop
 * over the ids: no sort, nothing waits for the last row). Both columns are compared in the
 * collation "POSIX" of that index (equality as in the default collation), which the primary
 * key and the other owner indexes do not have: the planner has no plan that reads rows by id
 * alone (with an index on (owner_id, id) in the default collation it still chose the primary
 * key for some owners, and read the rows).
 */
export const postgresRecordsByIdsQuery: RecordsByIdsQuery = (table, owners, ids) => ({
  sql:
    `select t."body" from unnest($2::text[]) with ordinality as r("id", "n")` +
    ` join "${table}" as t on t."owner_id" collate "POSIX" = any($1::text[]) and t."id" collate "POSIX" = r."id"` +
    ' order by r."n"',
  parameters: [owners, textArray(ids)],
});

/**
 * `values` as the literal of a `text[]` parameter, written with one join: pg's own writing
 * of an array escapes each element (0.1–0.25 ms of a 1,000-id list). Each element quoted
 * (unquoted, an id `null` would be read as NULL); values with `"` or `\`, which ids never
 * hold, are left to pg.
 */
function textArray(values: readonly string[]): string | readonly string[] {
  if (values.length === 0) return '{}';
  if (/["\\]/.test(values.join(''))) return values;
  return `{"${values.join('","')}"}`;
}

/**
 * The aggregate of `T-id-list-updated` (DialectAdapter.idsJson): each id quoted with its `\`
 * and `"` escaped (E'' strings: the same whatever standard_conforming_strings says); 50,000
 * ids in 36 ms where `to_json` took 55 (BENCHMARKS.md, "A fresh data set on the issue's
 * machine class"). Not JSON for an id with a control character, which SPEC ids never hold
 * (ID_PATTERN): changedIds then runs idsJsonExact.
 */
export const POSTGRES_IDS_JSON = `'[' || string_agg('"' || replace(replace("id", E'\\\\', E'\\\\\\\\'), '"', E'\\\\"') || '"', ',') || ']'`;

const NOW_MS = sql<number>`floor(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * PostgreSQL through a pool. Several server processes may share the database.
 *
 * Clock: the database's (`clock_timestamp()`), so that processes on several hosts agree.
 * Watermark: a writer takes its transaction id before it reads the clock; a reader takes
 * the clock, then the start of the oldest transaction that holds a transaction id
 * (`pg_stat_activity.backend_xid`), then the data. Any change the reader cannot see yet
 * belongs to a transaction that is in that set (so its time is ≥ the oldest start) or
 * that read its clock after the reader did.
 */
export function postgresAdapter(connectionString: string, options: PostgresOptions = {}): DialectAdapter {
  const statementTimeout = options.statementTimeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 10,
    types,
    // A database that does not answer must not hold requests forever: connecting, running a
    // statement (statement_timeout, on the server) and reading its answer (deadlinePool) are bounded.
    connectionTimeoutMillis: 5_000,
    ...(statementTimeout > 0 ? { statement_timeout: statementTimeout } : {}),
    ...(options.synchronousCommit === false ? { options: '-c synchronous_commit=off' } : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const queries = deadlinePool(pool, statementTimeout > 0 ? statementTimeout + 5_000 : 0);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: queries }) });

  // The auth revision. Read from the database, the requests that arrive while one read runs
  // share the next read, which starts after they all arrived — so each sees every change
  // committed before it, at one query per batch. A named statement straight on a connection:
  // prepared once per connection by PostgreSQL, and no query for Kysely to build.
  const readRevision = async () => {
    const { rows } = await queries.query<{ value: string }>({
      name: 'finum_sync_auth_revision',
      text: `select value from meta where key = 'auth_revision'`,
    });
    return Number(rows[0]?.value ?? 0);
  };
  let running: Promise<number> | undefined;
  let queued: Promise<number> | undefined;
  const readShared = (): Promise<number> => {
    if (!running) {
      running = readRevision().finally(() => {
        running = undefined;
      });
      return running;
    }
    queued ??= running
      .catch(() => {})
      .then(() => {
        queued = undefined;
        return readShared();
      });
    return queued;
  };
  // Kept for REVISION_KEPT_MS: an authentication costs no query while it is fresh.
  const authRevision = keptRevision(readShared);

  /** The list's JSON array in pieces, one per read of rows from the socket (see postgresRecordsByIdsQuery). */
  async function* recordsByIdsInPieces(table: RecordTable, owners: readonly string[], ids: readonly string[]) {
    const query = postgresRecordsByIdsQuery(table, owners, ids);
    const array = new JsonArrayWriter();
    // A named statement: parsed and planned once per connection (the plan PostgreSQL keeps is
    // the same); 0.13–0.33 ms less a 1,000-id list, alternated call by call.
    const batches = queries.rowBatches<[string]>({
      name: `finum_sync_records_by_ids_${table}`,
      text: query.sql,
      values: query.parameters,
      rowMode: 'array',
    });
    for await (const rows of batches) yield array.write(rows.map((row) => row[0]));
    yield array.end();
  }

  return {
    name: 'postgres',
    db,
    readDb: db,
    lockRows: true,
    // Rows arrive over a socket and are parsed a read at a time.
    readsHoldTheEventLoop: false,

    async recordsByIds(table, owners, ids) {
      const pieces: Buffer[] = [];
      for await (const piece of recordsByIdsInPieces(table, owners, ids)) pieces.push(piece);
      return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
    },

    recordsByIdsInPieces,

    bodiesJson: sql<JsonText>`'[' || coalesce(string_agg(${sql.ref('body')}, ',' order by ${sql.ref('id')}), '') || ']'`,
    idsJson: sql.raw<JsonText | null>(POSTGRES_IDS_JSON),
    idsJsonExact: sql<JsonText | null>`'[' || string_agg(to_json(${sql.ref('id')})::text, ',') || ']'`,

    async writeTransaction(work) {
      return db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ now: number }>`select txid_current() as xid, ${NOW_MS} as now`.execute(trx);
        return work(trx, Number(rows[0]!.now));
      });
    },

    async recordIndexes(trx, tables) {
      const { rows } = await sql<{ name: string; sql: string }>`
        select i.indexname as name, i.indexdef as sql from pg_indexes i
        where i.schemaname = current_schema() and i.tablename in (${sql.join(tables)})
          and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`.execute(trx);
      return rows;
    },

    // A bulk load leaves no statistics (the planner guesses: a bitmap scan of the
    // (owner_id, holder_id) index for an owner's ids) and no visibility map (no index-only
    // scans: every id read from the table). Autovacuum would get there later, or never where
    // it is off: the 50,000-id list took 1.6–2.1 × its raw query on a fresh data set, 1.3
    // after this (BENCHMARKS.md, "A fresh data set on the machine class").
    async finishBulkLoad(tables) {
      await sql`vacuum (analyze) ${sql.join(tables.map((t) => sql.table(t)))}`.execute(db);
    },

    async syncClock() {
      const { rows } = await sql<{ now: number; oldest: number | null }>`
        select ${NOW_MS} as now,
          (select floor(extract(epoch from min(xact_start)) * 1000)::bigint
             from pg_stat_activity
            where backend_xid is not null and datname = current_database()) as oldest`.execute(db);
      const row = rows[0]!;
      return { nowMs: Number(row.now), oldestWriteMs: row.oldest == null ? null : Number(row.oldest) };
    },

    async nowMs() {
      const { rows } = await sql<{ now: number }>`select ${NOW_MS} as now`.execute(db);
      return Number(rows[0]!.now);
    },

    authRevision: authRevision.read,

    authRevisionCommitted: authRevision.committed,

    async putBlob(bytes) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      // Written also when the same bytes are stored already (perhaps by another consumer):
      // `do nothing` would answer such an upload measurably faster (SPEC §4). One row per
      // content all the same.
      await db
        .insertInto('blobs')
        .values({ sha256, size: bytes.length, bytes })
        .onConflict((oc) =>
          oc.column('sha256').doUpdateSet((eb) => ({ size: eb.ref('excluded.size'), bytes: eb.ref('excluded.bytes') })),
        )
        .execute();
      return { sha256, size: bytes.length };
    },

    async getBlob(sha256): Promise<FileBytes | undefined> {
      const row = await db.selectFrom('blobs').select('size').where('sha256', '=', sha256).executeTakeFirst();
      if (!row) return undefined;
      const size = Number(row.size);
      return {
        size,
        open(range) {
          const start = range?.start ?? 0;
          const end = range?.end ?? size - 1;
          async function* chunks() {
            for (let at = start; at <= end; at += BLOB_CHUNK) {
              const length = Math.min(BLOB_CHUNK, end - at + 1);
              const { rows } = await sql<{ part: Buffer }>`
                select substring(bytes from ${at + 1} for ${length}) as part from blobs where sha256 = ${sha256}`.execute(
                db,
              );
              yield rows[0]!.part;
            }
          }
          return Readable.from(chunks());
        },
      };
    },

    async close() {
      await db.destroy();
    },
  };
}
