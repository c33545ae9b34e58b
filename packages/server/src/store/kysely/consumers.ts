import { sql } from 'kysely';
import type {
  ConsumerKeyRow,
  ConsumerRow,
  ConsumerStore,
  ConsumerTx,
  ConsumerUsage,
  KeyAlgorithm,
  MetaTx,
} from '../port.js';
import type { Database } from '../schema.js';
import { BOOKKEEPING, type StoreContext, type TxContext } from './context.js';

const consumerFromRow = (r: Database['consumers']): ConsumerRow => ({
  id: r.id,
  name: r.name,
  status: r.status === 'disabled' ? 'disabled' : 'active',
  callbackUrl: r.callback_url,
  callbackSecret: r.callback_secret,
  createdMs: Number(r.created_ms),
});

const keyFromRow = (r: Database['consumer_keys']): ConsumerKeyRow => ({
  consumerId: r.consumer_id,
  kid: r.kid,
  alg: r.alg as KeyAlgorithm,
  publicKey: r.public_key,
  createdMs: Number(r.created_ms),
});

/** Consumers and keys as authentication reads them; usage. */
export function consumerStore(c: StoreContext): ConsumerStore {
  const { adapter, read } = c;
  return {
    async loadAuthState() {
      const [consumers, keys] = await Promise.all([
        read.selectFrom('consumers').selectAll().execute(),
        read.selectFrom('consumer_keys').selectAll().execute(),
      ]);
      return { consumers: consumers.map(consumerFromRow), keys: keys.map(keyFromRow) };
    },

    async listConsumers() {
      const rows = await read.selectFrom('consumers').selectAll().orderBy('id').execute();
      return rows.map(consumerFromRow);
    },

    async consumer(id) {
      const row = await read.selectFrom('consumers').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? consumerFromRow(row) : undefined;
    },

    // On every authenticated request: the adapter's, with no step between.
    authRevision: (options) => adapter.authRevision(options),

    async addConsumerUsage(counts) {
      if (counts.length === 0) return;
      await adapter.writeTransaction(async (trx) => {
        await trx
          .insertInto('consumer_usage')
          .values(
            counts.map((u) => ({
              consumer_id: u.consumerId,
              requests: u.requests,
              errors: u.errors,
              last_seen_ms: u.lastSeenMs,
            })),
          )
          .onConflict((oc) =>
            oc.column('consumer_id').doUpdateSet({
              requests: sql`consumer_usage.requests + excluded.requests`,
              errors: sql`consumer_usage.errors + excluded.errors`,
              // The later of the two (max() is greatest() on PostgreSQL: one spelling for both).
              last_seen_ms: sql`case when excluded.last_seen_ms > consumer_usage.last_seen_ms then excluded.last_seen_ms else consumer_usage.last_seen_ms end`,
            }),
          )
          .execute();
      }, BOOKKEEPING);
    },

    async consumerUsage(): Promise<ConsumerUsage[]> {
      const rows = await read.selectFrom('consumer_usage').selectAll().orderBy('consumer_id').execute();
      return rows.map((r) => ({
        consumerId: r.consumer_id,
        requests: Number(r.requests),
        errors: Number(r.errors),
        lastSeenMs: Number(r.last_seen_ms),
      }));
    },
  };
}

/** Consumers, keys and the auth revision inside a write transaction. */
export function consumerTx(t: TxContext): ConsumerTx {
  const { trx } = t;
  return {
    async getConsumer(id) {
      const row = await trx.selectFrom('consumers').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? consumerFromRow(row) : undefined;
    },

    async putConsumer(row) {
      const values = {
        id: row.id,
        name: row.name,
        status: row.status,
        callback_url: row.callbackUrl,
        callback_secret: row.callbackSecret,
        created_ms: row.createdMs,
      };
      await trx
        .insertInto('consumers')
        .values(values)
        .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, id: undefined }))
        .execute();
    },

    async putKey(row) {
      const values = {
        consumer_id: row.consumerId,
        kid: row.kid,
        alg: row.alg,
        public_key: row.publicKey,
        created_ms: row.createdMs,
      };
      await trx
        .insertInto('consumer_keys')
        .values(values)
        .onConflict((oc) => oc.columns(['consumer_id', 'kid']).doUpdateSet({ alg: row.alg, public_key: row.publicKey }))
        .execute();
    },

    async removeKey(consumerId, kid) {
      const r = await trx
        .deleteFrom('consumer_keys')
        .where('consumer_id', '=', consumerId)
        .where('kid', '=', kid)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async consumerKeys(consumerId) {
      const rows = await trx.selectFrom('consumer_keys').selectAll().where('consumer_id', '=', consumerId).execute();
      return rows.map(keyFromRow);
    },

    async bumpAuthRevision() {
      // One statement, not read-then-write: two transactions bumping at once on PostgreSQL would
      // both read N and both write N + 1, and a process that had loaded its key ring at N + 1
      // between the two would never see the second change. The row exists from the first migration.
      await sql`update meta set value = cast(cast(value as bigint) + 1 as text) where key = 'auth_revision'`.execute(
        trx,
      );
      t.authBumped = true;
    },
  };
}

/** The server's settings kept in `meta`. */
export function metaTx({ trx }: TxContext): MetaTx {
  return {
    async getMeta(key) {
      const row = await trx.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value;
    },

    async setMeta(key, value) {
      await trx
        .insertInto('meta')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
    },
  };
}
