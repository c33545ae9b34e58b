import type { IdempotencyStore, IdempotencyTx } from '../port.js';
import { BOOKKEEPING, locked, type StoreContext, type TxContext } from './context.js';

/** `Idempotency-Key` claims (SPEC §7). */
export function idempotencyStore(c: StoreContext): IdempotencyStore {
  const { adapter, db } = c;
  return {
    claimIdempotencyKey(consumerId, key, requestHash, { nowMs, leaseMs, ttlMs }) {
      return adapter.writeTransaction(async (trx) => {
        const claim = {
          request_hash: requestHash,
          state: 'running',
          response_status: null,
          response_body: null,
          created_ms: nowMs,
          lease_until_ms: nowMs + leaseMs,
        };
        // Insert first: of concurrent first requests exactly one inserts (PostgreSQL makes
        // the others wait for its commit, then finds the key taken).
        const inserted = await trx
          .insertInto('idempotency_keys')
          .values({ consumer_id: consumerId, key, ...claim })
          .onConflict((oc) => oc.columns(['consumer_id', 'key']).doNothing())
          .returning('key')
          .executeTakeFirst();
        if (inserted) return { kind: 'claimed' };
        const row = (await locked(
          adapter,
          trx.selectFrom('idempotency_keys').selectAll().where('consumer_id', '=', consumerId).where('key', '=', key),
        ).executeTakeFirst())!;
        const takeOver = (values: Partial<typeof claim>) =>
          trx
            .updateTable('idempotency_keys')
            .set(values)
            .where('consumer_id', '=', consumerId)
            .where('key', '=', key)
            .execute();
        if (Number(row.created_ms) < nowMs - ttlMs) {
          // Older than 24 h: forgotten, the key starts afresh.
          await takeOver(claim);
          return { kind: 'claimed' };
        }
        if (row.request_hash !== requestHash) return { kind: 'mismatch' };
        if (row.state === 'done')
          return { kind: 'replay', status: Number(row.response_status), body: row.response_body ?? '' };
        if (Number(row.lease_until_ms) > nowMs) return { kind: 'running' };
        // The first request died before it finished: its write did not commit; take over.
        await takeOver({ lease_until_ms: nowMs + leaseMs });
        return { kind: 'claimed' };
      }, BOOKKEEPING);
    },

    async releaseIdempotencyKey(consumerId, key) {
      await db
        .deleteFrom('idempotency_keys')
        .where('consumer_id', '=', consumerId)
        .where('key', '=', key)
        .where('state', '=', 'running')
        .execute();
    },

    async deleteIdempotencyKeysBefore(createdBeforeMs) {
      const r = await db.deleteFrom('idempotency_keys').where('created_ms', '<', createdBeforeMs).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

/** The response of an idempotent request, stored in the transaction of its write. */
export function idempotencyTx({ trx }: TxContext): IdempotencyTx {
  return {
    async completeIdempotencyKey(consumerId, key, response) {
      await trx
        .updateTable('idempotency_keys')
        .set({ state: 'done', response_status: response.status, response_body: response.body })
        .where('consumer_id', '=', consumerId)
        .where('key', '=', key)
        .execute();
    },
  };
}
