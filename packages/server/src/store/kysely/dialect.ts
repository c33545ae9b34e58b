import type { Kysely, RawBuilder } from 'kysely';
import type { FileBytes, JsonText, RevisionRead } from '../port.js';
import type { Database, RecordTable } from '../schema.js';

/**
 * What differs between SQLite and PostgreSQL, kept to the few things a dialect must do
 * its own way: transactions and their clock, the sync watermark, change notification of
 * consumers and keys, where file bytes live, and the SQL the two spell differently (JSON
 * arrays built in the database, the id-list lookup). The concern files (records.ts,
 * outbox.ts, …) hold no dialect branch: they ask the adapter.
 */
export interface DialectAdapter {
  readonly name: 'sqlite' | 'postgres';
  /** Writes (and reads inside write transactions). */
  readonly db: Kysely<Database>;
  /** Reads outside transactions: on SQLite a connection of its own, so a long write never blocks them. */
  readonly readDb: Kysely<Database>;
  /**
   * Runs `work` in one write transaction; `nowMs` is read once the transaction holds its
   * place. `touchesRecords: false` for bookkeeping (outbox, idempotency) that the sync
   * watermark need not wait for.
   */
  writeTransaction<T>(
    work: (trx: Kysely<Database>, nowMs: number) => Promise<T>,
    options?: { touchesRecords?: boolean },
  ): Promise<T>;
  /**
   * Reads the clock and the start of the oldest write still in flight. Called before the
   * data query, so that `min(nowMs, oldestWriteMs)` is a watermark that misses nothing.
   */
  syncClock(): Promise<{ nowMs: number; oldestWriteMs: number | null }>;
  nowMs(): Promise<number>;
  /** Whether rows read in a write transaction must be locked (`FOR UPDATE`; `SKIP LOCKED` for the outbox). */
  readonly lockRows: boolean;
  /** See {@link RecordStore.readsHoldTheEventLoop}. */
  readonly readsHoldTheEventLoop: boolean;
  /**
   * Upserts rows (values in `columns` order) inside the current write transaction, when the
   * dialect has a faster way than a multi-row statement (SQLite: one prepared statement).
   */
  upsertRows?(table: string, columns: readonly string[], rows: readonly unknown[][]): void;
  /** The record tables' secondary indexes (not primary keys): names and `create index` statements, from the catalog. */
  recordIndexes(trx: Kysely<Database>, tables: readonly string[]): Promise<IndexDefinition[]>;
  /** After a bulk load, before its indexes are built (SQLite: moves the WAL into the database file, where scans are faster). */
  settleBulkLoad?(): Promise<void>;
  /**
   * After a bulk load, its indexes built (PostgreSQL: `vacuum (analyze)` of the tables, see
   * postgresAdapter). Not on SQLite: its plans do not depend on statistics it has never had.
   */
  finishBulkLoad?(tables: readonly RecordTable[]): Promise<void>;
  /**
   * The records of `table` among `ids` that `owners` own, in the order of `ids` (each once
   * already): the JSON array of their stored bodies (see {@link RecordsByIdsQuery}).
   */
  recordsByIds(table: RecordTable, owners: readonly string[], ids: readonly string[]): Promise<JsonText>;
  /** The same JSON array in pieces, as the rows arrive (see `RecordStore.recordsByIdsInPieces`); PostgreSQL. */
  recordsByIdsInPieces?(table: RecordTable, owners: readonly string[], ids: readonly string[]): AsyncIterable<Buffer>;
  /** An aggregate over the selected record rows: the JSON array of their `body` texts, by id. */
  readonly bodiesJson: RawBuilder<JsonText>;
  /** An aggregate over the selected rows: the JSON array of their `id`s; null when there are none. */
  readonly idsJson: RawBuilder<JsonText | null>;
  /**
   * Where `idsJson` writes control characters as they are (not JSON, for ids no SPEC id is:
   * PostgreSQL's faster form), the aggregate that escapes them, run when its text holds one.
   */
  readonly idsJsonExact?: RawBuilder<JsonText | null>;
  /** The consumers-and-keys revision (see `ConsumerStore.authRevision`). */
  authRevision(options?: RevisionRead): number | Promise<number>;
  /** Called once that transaction committed: this process reads the revision again at once. */
  authRevisionCommitted?(): void;
  putBlob(bytes: Buffer): Promise<{ sha256: string; size: number }>;
  getBlob(sha256: string): Promise<FileBytes | undefined>;
  close(): Promise<void>;
}

export interface IndexDefinition {
  name: string;
  sql: string;
}

/**
 * The statement of `T-list?id-list=…` of one dialect (exported for the timing test, which
 * checks its plan): the records among `ids` that `owners` own, looked up by owner and id
 * together, so that an id of another consumer is missed in the index as an unknown id is.
 */
export type RecordsByIdsQuery = (
  table: RecordTable,
  owners: readonly string[],
  ids: readonly string[],
) => { sql: string; parameters: unknown[] };
