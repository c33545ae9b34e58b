import type { AdminSessionStore } from './ports/admin-sessions.js';
import type { ApplicationStore, ApplicationTx } from './ports/applications.js';
import type { AuditStore, AuditTx } from './ports/audit.js';
import type { BlobStore } from './ports/blobs.js';
import type { ConsumerStore, ConsumerTx, MetaTx } from './ports/consumers.js';
import type { IdempotencyStore, IdempotencyTx } from './ports/idempotency.js';
import type { OutboxStore, OutboxTx } from './ports/outbox.js';
import type { RateCountStore } from './ports/rate-counts.js';
import type { RecordStore, RecordTx } from './ports/records.js';

/**
 * The storage port: everything the server needs from a database, nothing more, as one
 * small interface per concern (records, consumers, outbox, idempotency, blobs, applications,
 * admin sessions, audit, rate counts). Each caller names the slices it uses; {@link Store}
 * is all of them with the lifecycle. One Kysely implementation serves SQLite and PostgreSQL
 * (store/kysely/); a provider could plug in its own and prove it with the contract suite
 * (packages/server/test/store-contract/).
 */

export * from './ports/admin-sessions.js';
export * from './ports/applications.js';
export * from './ports/audit.js';
export * from './ports/blobs.js';
export * from './ports/consumers.js';
export * from './ports/idempotency.js';
export * from './ports/outbox.js';
export * from './ports/rate-counts.js';
export * from './ports/records.js';

/** Work inside one database transaction; `nowMs` is the transaction's clock. */
export interface StoreTx extends RecordTx, ConsumerTx, MetaTx, OutboxTx, IdempotencyTx, ApplicationTx, AuditTx {
  readonly nowMs: number;
}

/** Write transactions and the store's clock. */
export interface Transactional {
  /** The store's clock (the database's on PostgreSQL). */
  nowMs(): Promise<number>;
  /** Runs `work` in one transaction: all of it commits, or (when it throws) none of it. */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
}

/** Which database a store runs on (whether its rate counts are worth sharing: several processes on PostgreSQL). */
export interface StoreDialect {
  readonly dialect: 'sqlite' | 'postgres';
}

/** What every store has besides its concerns: its dialect, a health check, and closing. */
export interface StoreLifecycle extends StoreDialect {
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The whole port: every slice, transactions and the lifecycle (what openStore() returns). */
export interface Store
  extends StoreLifecycle,
    Transactional,
    RecordStore,
    ConsumerStore,
    IdempotencyStore,
    OutboxStore,
    BlobStore,
    ApplicationStore,
    AdminSessionStore,
    AuditStore,
    RateCountStore {}
