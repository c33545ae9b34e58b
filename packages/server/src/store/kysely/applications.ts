import type { Kysely } from 'kysely';
import type { AdminSessionStore, ApplicationRow, ApplicationStore, ApplicationTx } from '../port.js';
import type { Database } from '../schema.js';
import { locked, type StoreContext, type TxContext } from './context.js';
import {
  adminSessionFromRow,
  applicationChangeColumns,
  applicationFromRow,
  applicationToRow,
} from './onboarding-rows.js';

/** Stores a new application unless its idempotency key is taken; whether it did. */
async function insertApplication(db: Kysely<Database>, row: ApplicationRow): Promise<boolean> {
  const r = await db
    .insertInto('applications')
    .values(applicationToRow(row))
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Onboarding applications (SPEC §9). */
export function applicationStore(c: StoreContext): ApplicationStore {
  const { adapter, db } = c;
  return {
    insertApplication: (row) => adapter.writeTransaction((trx) => insertApplication(trx, row)),

    async findApplication(by) {
      let q = db.selectFrom('applications').selectAll();
      if ('id' in by) q = q.where('id', '=', by.id);
      else if ('statusTokenHash' in by) q = q.where('status_token_hash', '=', by.statusTokenHash);
      else q = q.where('idempotency_key', '=', by.idempotencyKey);
      const row = await q.executeTakeFirst();
      return row ? applicationFromRow(row) : undefined;
    },

    async listApplications(filter = {}) {
      let q = db
        .selectFrom('applications')
        .selectAll()
        .orderBy('created_ms', 'desc')
        .orderBy('id')
        .limit(Math.min(filter.limit ?? 500, 1000));
      if (filter.status) q = q.where('status', '=', filter.status);
      return (await q.execute()).map(applicationFromRow);
    },

    async updateApplication(id, change, expectedStatus) {
      let q = db.updateTable('applications').set(applicationChangeColumns(change)).where('id', '=', id);
      if (expectedStatus) q = q.where('status', '=', expectedStatus);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}

/** Applications inside a write transaction (an approval registers the consumer in the same one). */
export function applicationTx({ trx, adapter }: TxContext): ApplicationTx {
  return {
    insertApplication: (row) => insertApplication(trx, row),

    async getApplication(id) {
      const row = await locked(
        adapter,
        trx.selectFrom('applications').selectAll().where('id', '=', id),
      ).executeTakeFirst();
      return row ? applicationFromRow(row) : undefined;
    },

    async updateApplication(id, change) {
      await trx.updateTable('applications').set(applicationChangeColumns(change)).where('id', '=', id).execute();
    },
  };
}

/** Sessions of the admin pages, by the hash of their cookie. */
export function adminSessionStore({ db }: StoreContext): AdminSessionStore {
  return {
    async putAdminSession(row) {
      await db
        .insertInto('admin_sessions')
        .values({
          id_hash: row.idHash,
          csrf_token: row.csrfToken,
          created_ms: row.createdMs,
          expires_ms: row.expiresMs,
        })
        .execute();
    },

    async adminSession(idHash) {
      const row = await db.selectFrom('admin_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
      return row ? adminSessionFromRow(row) : undefined;
    },

    async deleteAdminSession(idHash) {
      await db.deleteFrom('admin_sessions').where('id_hash', '=', idHash).execute();
    },

    async deleteAdminSessionsBefore(expiresBeforeMs) {
      const r = await db.deleteFrom('admin_sessions').where('expires_ms', '<', expiresBeforeMs).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
