import type { RecordType } from '@finum-sync/spec';

/** The store port's slice for records: its rows, its part of a transaction, its reads (all slices: ../port.ts). */

/** Owner id of records every consumer sees (products, product files). */
export const PUBLIC_OWNER = '';

/** What the store keeps of every record besides its content. */
export interface RecordHeader {
  readonly type: RecordType;
  readonly id: string;
  /** Consumer whose record this is; {@link PUBLIC_OWNER} for products and product files. */
  readonly ownerId: string;
  readonly version: number;
  readonly createdMs: number;
  readonly updatedMs: number;
  readonly deleted: boolean;
}

/** A record as stored: its full JSON representation plus what the store indexes. */
export interface StoredRecord extends RecordHeader {
  /** The record as the API returns it (meta fields, standard fields, `_` extensions). */
  readonly data: Readonly<Record<string, unknown>>;
}

/** A record as its table holds it: what bulk loads write without building `data` (core/records.ts). */
export interface RecordRow extends RecordHeader {
  /** The JSON text of the record's `data`. */
  readonly body: string;
  /** The record's fields, or at least those the store keeps in columns of their own. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * A JSON document the database wrote: UTF-8 bytes where its driver hands them out without
 * decoding them (SQLite), else text. Records are stored serialized; a list is their concatenation.
 */
export type JsonText = string | Buffer;

export interface ChangedIds {
  /** The ids, as the JSON array the response carries. */
  readonly idsJson: JsonText;
  /** The sync watermark (`X-Sync-Until`): the next `since` that misses nothing. */
  readonly untilMs: number;
}

/** Records inside a write transaction (the core's write path, imports). */
export interface RecordTx {
  getRecord(type: RecordType, id: string): Promise<StoredRecord | undefined>;
  /** Records of a type by id (any owner), locked for the transaction on PostgreSQL. */
  getRecords(type: RecordType, ids: readonly string[]): Promise<Map<string, StoredRecord>>;
  /** Inserts or replaces a record (by type and id). */
  putRecord(record: StoredRecord): Promise<void>;
  putRecords(records: readonly StoredRecord[]): Promise<void>;
  /** Inserts or replaces records given as rows (bulk loads). */
  putRecordRows(rows: readonly RecordRow[]): Promise<void>;
  recordsWhere(type: RecordType, field: 'holderId' | 'contractId', value: string): Promise<StoredRecord[]>;
}

/** Records as consumers read them (SPEC §4 visibility), and bulk-load support. */
export interface RecordStore {
  /**
   * Whether a read holds the event loop until it is done (a synchronous driver: SQLite). Long
   * lists are then read in short chunks with a turn of the event loop in between; otherwise in
   * one read (on PostgreSQL, one query instead of four took a list of 1,000 contracts from 1.25
   * to 1.04 × its raw query; BENCHMARKS.md, 2026-11-29).
   * Absent (a store of one's own that does not say), lists are read in chunks.
   */
  readonly readsHoldTheEventLoop?: boolean;
  /** Visible records among `ids`, each once, in the order of `ids`: the JSON array of the response. */
  recordsByIds(type: RecordType, consumerId: string, ids: readonly string[]): Promise<JsonText>;
  /**
   * Optional: the answer of `recordsByIds` in pieces (their concatenation is that JSON array),
   * each given as soon as the database sent its rows, so that the response is on its way while
   * the rest are read (PostgreSQL: a 1,000-record list no longer waits for its last row before
   * its first byte is sent). A store whose reads hold the event loop leaves it out.
   */
  recordsByIdsInPieces?(type: RecordType, consumerId: string, ids: readonly string[]): AsyncIterable<Uint8Array>;
  /** Visible records whose field equals `value`, by id: the JSON array of the response. */
  recordsByField(type: RecordType, consumerId: string, field: string, value: string): Promise<JsonText>;
  /** Ids of visible records changed at or after `sinceMs` (all when undefined), and the watermark. */
  changedIds(type: RecordType, consumerId: string, sinceMs: number | undefined): Promise<ChangedIds>;
  /** One visible record. */
  visibleRecord(type: RecordType, consumerId: string, id: string): Promise<StoredRecord | undefined>;
  /** Contracts in the given statuses (not deleted), oldest change first; of one consumer when given. */
  contractsByStatus(
    statuses: readonly number[],
    options?: { ownerId?: string; limit?: number },
  ): Promise<StoredRecord[]>;
  /**
   * For bulk loads (the seed): drops the record tables' secondary indexes and returns the
   * function that builds them again — once, sorted, instead of row by row: several times
   * faster. Meanwhile queries scan whole tables. Should the load die first, the next
   * openStore() builds them.
   */
  suspendRecordIndexes(): Promise<() => Promise<void>>;
}
