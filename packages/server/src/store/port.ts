import type { RecordType } from '@finum-sync/spec';

/**
 * The storage port: everything the server's core needs from a database, nothing more.
 * One Kysely implementation serves SQLite and PostgreSQL; a provider could plug in its own.
 */

/** Owner id of records every consumer sees (products, product files). */
export const PUBLIC_OWNER = '';

/** A record as stored: its full JSON representation plus what the store indexes. */
export interface StoredRecord {
  readonly type: RecordType;
  readonly id: string;
  /** Consumer whose record this is; {@link PUBLIC_OWNER} for products and product files. */
  readonly ownerId: string;
  readonly version: number;
  readonly createdMs: number;
  readonly updatedMs: number;
  readonly deleted: boolean;
  /** The record as the API returns it (meta fields, standard fields, `_` extensions). */
  readonly data: Readonly<Record<string, unknown>>;
}

export interface ChangedIds {
  readonly ids: string[];
  /** The sync watermark (`X-Sync-Until`): the next `since` that misses nothing. */
  readonly untilMs: number;
}

export type KeyAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

export interface ConsumerKeyRow {
  readonly consumerId: string;
  readonly kid: string;
  readonly alg: KeyAlgorithm;
  /** SPKI PEM. */
  readonly publicKey: string;
  readonly createdMs: number;
}

export interface ConsumerRow {
  readonly id: string;
  readonly name: string;
  readonly status: 'active' | 'disabled';
  readonly callbackUrl: string | null;
  readonly callbackSecret: string;
  readonly createdMs: number;
}

export interface AuthState {
  readonly consumers: readonly ConsumerRow[];
  readonly keys: readonly ConsumerKeyRow[];
}

/** Blob bytes addressed by their SHA-256. */
export interface FileBytes {
  readonly size: number;
  /** Streams bytes `[start, end]` inclusive. */
  open(range?: { start: number; end: number }): NodeJS.ReadableStream;
}

/** Work inside one database transaction; `nowMs` is the transaction's clock. */
export interface StoreTx {
  readonly nowMs: number;
  getRecord(type: RecordType, id: string): Promise<StoredRecord | undefined>;
  /** Inserts or replaces a record (by type and id). */
  putRecord(record: StoredRecord): Promise<void>;
  putRecords(records: readonly StoredRecord[]): Promise<void>;
  recordsWhere(type: RecordType, field: 'holderId' | 'contractId', value: string): Promise<StoredRecord[]>;
  getConsumer(id: string): Promise<ConsumerRow | undefined>;
  putConsumer(row: ConsumerRow): Promise<void>;
  putKey(row: ConsumerKeyRow): Promise<void>;
  removeKey(consumerId: string, kid: string): Promise<boolean>;
  /** Marks consumers/keys changed: every process reloads its key ring. */
  bumpAuthRevision(): Promise<void>;
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  /** Visible records among `ids`, as JSON text, in the order of `ids`. */
  recordsByIds(type: RecordType, consumerId: string, ids: readonly string[]): Promise<string[]>;
  /** Visible records whose field equals `value`, as JSON text. */
  recordsByField(type: RecordType, consumerId: string, field: string, value: string): Promise<string[]>;
  /** Ids of visible records changed at or after `sinceMs` (all when undefined), and the watermark. */
  changedIds(type: RecordType, consumerId: string, sinceMs: number | undefined): Promise<ChangedIds>;
  /** One visible record. */
  visibleRecord(type: RecordType, consumerId: string, id: string): Promise<StoredRecord | undefined>;
  /** The store's clock (the database's on PostgreSQL). */
  nowMs(): Promise<number>;

  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;

  loadAuthState(): Promise<AuthState>;
  listConsumers(): Promise<ConsumerRow[]>;
  /**
   * A number that changes whenever consumers or keys changed, in this process or another.
   * Synchronous and cheap: called on every authenticated request.
   */
  authRevision(): number;

  putBlob(bytes: Buffer): Promise<{ sha256: string; size: number }>;
  getBlob(sha256: string): Promise<FileBytes | undefined>;

  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
