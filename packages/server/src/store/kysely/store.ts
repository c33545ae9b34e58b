import { type Kysely, Migrator } from 'kysely';
import { migrationProvider } from '../migrations.js';
import type { Store, StoreTx } from '../port.js';
import type { Database } from '../schema.js';
import { adminSessionStore, applicationStore, applicationTx } from './applications.js';
import { type AuditListeners, auditStore, auditTx } from './audit.js';
import { consumerStore, consumerTx, metaTx } from './consumers.js';
import type { StoreContext, TxContext } from './context.js';
import type { DialectAdapter } from './dialect.js';
import { idempotencyStore, idempotencyTx } from './idempotency.js';
import { outboxStore, outboxTx } from './outbox.js';
import { rateCountStore } from './rate-counts.js';
import { recordStore, recordTx, restoreRecordIndexes } from './records.js';

/**
 * The store of one transaction: each concern's part over the same transaction. Built per
 * write transaction (a few small objects), never per read.
 */
function storeTx(t: TxContext): StoreTx {
  return {
    nowMs: t.nowMs,
    ...recordTx(t),
    ...consumerTx(t),
    ...metaTx(t),
    ...outboxTx(t),
    ...idempotencyTx(t),
    ...applicationTx(t),
    ...auditTx(t),
  };
}

/**
 * Opens the store over a dialect adapter, brings its schema up to date, and composes it
 * from its concerns (records.ts, consumers.ts, outbox.ts, …): one object, built once.
 */
export async function openKyselyStore(adapter: DialectAdapter, { restoreIndexes = true } = {}): Promise<Store> {
  const migrator = new Migrator({ db: adapter.db, provider: migrationProvider(adapter.name) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await adapter.close();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`);
  }
  const c: StoreContext = { adapter, db: adapter.db, read: adapter.readDb };
  // A bulk load that was killed before it built its indexes again.
  if (restoreIndexes) await restoreRecordIndexes(c);
  const auditListeners: AuditListeners = [];

  return {
    dialect: adapter.name,
    ...recordStore(c),
    ...consumerStore(c),
    ...idempotencyStore(c),
    ...outboxStore(c),
    ...applicationStore(c),
    ...adminSessionStore(c),
    ...auditStore(c, auditListeners),
    ...rateCountStore(c),
    putBlob: (bytes) => adapter.putBlob(bytes),
    getBlob: (sha256) => adapter.getBlob(sha256),
    nowMs: () => adapter.nowMs(),

    async transaction(work) {
      let last: TxContext | undefined;
      const result = await adapter.writeTransaction((trx: Kysely<Database>, nowMs) => {
        last = { trx, adapter, nowMs, audited: [] };
        return work(storeTx(last));
      });
      // Committed: the last attempt's entries are the ones stored.
      if (last?.authBumped) adapter.authRevisionCommitted?.();
      for (const entry of last?.audited ?? []) {
        for (const listener of auditListeners) listener(entry);
      }
      return result;
    },

    async ping() {
      await adapter.readDb.selectFrom('meta').select('key').limit(1).execute();
    },

    close: () => adapter.close(),
  };
}
