import type {
  Delivery,
  DeliveryAttempt,
  DeliveryKind,
  DeliveryState,
  OutboxStore,
  OutboxTx,
  ProviderEndpointRow,
} from '../port.js';
import type { Database, ProviderEndpointsTable } from '../schema.js';
import { BOOKKEEPING, locked, type StoreContext, type TxContext } from './context.js';

const deliveryFromRow = (r: Database['callback_deliveries']): Delivery => ({
  id: r.id,
  consumerId: r.consumer_id,
  contractId: r.contract_id,
  url: r.url,
  kind: r.kind as DeliveryKind,
  payload: r.payload,
  state: r.state as DeliveryState,
  attempts: Number(r.attempts),
  createdMs: Number(r.created_ms),
  nextAttemptMs: Number(r.next_attempt_ms),
  finishedMs: r.finished_ms == null ? null : Number(r.finished_ms),
  lastStatus: r.last_status == null ? null : Number(r.last_status),
  lastError: r.last_error,
});

const attemptFromRow = (r: Database['callback_attempts']): DeliveryAttempt => ({
  deliveryId: r.delivery_id,
  attempt: Number(r.attempt),
  startedMs: Number(r.started_ms),
  durationMs: Number(r.duration_ms),
  status: r.status == null ? null : Number(r.status),
  error: r.error,
});

const providerEndpointFromRow = (row: ProviderEndpointsTable): ProviderEndpointRow => ({
  id: row.id,
  url: row.url,
  secret: row.secret,
  description: row.description,
  createdMs: Number(row.created_ms),
});

/** The outbox as the delivery worker, the back office and the metrics see it. */
export function outboxStore(c: StoreContext): OutboxStore {
  const { adapter, db, read } = c;
  return {
    async claimDueDeliveries(nowMs, limit, leaseMs) {
      // Idle most of the time: look before taking a write transaction.
      const any = await read
        .selectFrom('callback_deliveries')
        .select('id')
        .where('state', '=', 'pending')
        .where('next_attempt_ms', '<=', nowMs)
        .limit(1)
        .executeTakeFirst();
      if (!any) return [];
      return adapter.writeTransaction(async (trx) => {
        let due = trx
          .selectFrom('callback_deliveries')
          .select('id')
          .where('state', '=', 'pending')
          .where('next_attempt_ms', '<=', nowMs)
          .orderBy('next_attempt_ms')
          .limit(limit);
        // Several processes claim from one queue: each takes rows the others have not locked.
        if (adapter.lockRows) due = due.forUpdate().skipLocked();
        const ids = (await due.execute()).map((r) => r.id);
        if (ids.length === 0) return [];
        const rows = await trx
          .updateTable('callback_deliveries')
          .set((eb) => ({ next_attempt_ms: nowMs + leaseMs, attempts: eb('attempts', '+', 1) }))
          .where('id', 'in', ids)
          .returningAll()
          .execute();
        return rows.map(deliveryFromRow);
      }, BOOKKEEPING);
    },

    async finishDeliveryAttempt(attempt, outcome) {
      await adapter.writeTransaction(async (trx) => {
        await trx
          .insertInto('callback_attempts')
          .values({
            delivery_id: attempt.deliveryId,
            attempt: attempt.attempt,
            started_ms: attempt.startedMs,
            duration_ms: attempt.durationMs,
            status: attempt.status,
            error: attempt.error,
          })
          .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doNothing())
          .execute();
        await trx
          .updateTable('callback_deliveries')
          .set({
            state: outcome.state,
            next_attempt_ms: outcome.nextAttemptMs,
            finished_ms: outcome.state === 'pending' ? null : outcome.nextAttemptMs,
            last_status: attempt.status,
            last_error: attempt.error,
          })
          .where('id', '=', attempt.deliveryId)
          // A delivery stopped meanwhile (410 on another delivery to the URL) stays stopped.
          .where('state', '=', 'pending')
          .execute();
      }, BOOKKEEPING);
    },

    async stopDeliveriesTo(consumerId, url, nowMs) {
      const r = await db
        .updateTable('callback_deliveries')
        .set({ state: 'gone', finished_ms: nowMs, last_error: 'stopped: the URL answered 410 Gone' })
        .where('consumer_id', '=', consumerId)
        .where('url', '=', url)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    async listDeliveries(filter) {
      let q = read
        .selectFrom('callback_deliveries')
        .selectAll()
        .orderBy('created_ms', 'desc')
        .orderBy('id')
        .limit(Math.min(filter.limit ?? 100, 1000));
      if (filter.webhookId) q = q.where('id', '=', filter.webhookId);
      if (filter.consumerId) q = q.where('consumer_id', '=', filter.consumerId);
      if (filter.contractId) q = q.where('contract_id', '=', filter.contractId);
      if (filter.state) q = q.where('state', '=', filter.state);
      if (filter.kind) q = q.where('kind', '=', filter.kind);
      const deliveries = (await q.execute()).map(deliveryFromRow);
      if (deliveries.length === 0) return [];
      const attempts = await read
        .selectFrom('callback_attempts')
        .selectAll()
        .where(
          'delivery_id',
          'in',
          deliveries.map((d) => d.id),
        )
        .orderBy('attempt')
        .execute();
      return deliveries.map((d) => ({
        ...d,
        attemptList: attempts.filter((a) => a.delivery_id === d.id).map(attemptFromRow),
      }));
    },

    deleteFinishedDeliveriesBefore(createdBeforeMs) {
      return adapter.writeTransaction(async (trx) => {
        const old = trx
          .selectFrom('callback_deliveries')
          .select('id')
          .where('state', '!=', 'pending')
          .where('created_ms', '<', createdBeforeMs);
        await trx.deleteFrom('callback_attempts').where('delivery_id', 'in', old).execute();
        const r = await trx
          .deleteFrom('callback_deliveries')
          .where('state', '!=', 'pending')
          .where('created_ms', '<', createdBeforeMs)
          .executeTakeFirst();
        return Number(r.numDeletedRows);
      }, BOOKKEEPING);
    },

    async deliveryQueue() {
      const rows = await read
        .selectFrom('callback_deliveries')
        .select((eb) => ['state', eb.fn.countAll<number>().as('n'), eb.fn.min('next_attempt_ms').as('next')])
        .where('state', 'in', ['pending', 'failed'])
        .groupBy('state')
        .execute();
      const of = (state: string) => rows.find((r) => r.state === state);
      const next = of('pending')?.next;
      return {
        pending: Number(of('pending')?.n ?? 0),
        failed: Number(of('failed')?.n ?? 0),
        nextDueMs: next == null ? null : Number(next),
      };
    },

    async listProviderEndpoints() {
      const rows = await read
        .selectFrom('provider_endpoints')
        .selectAll()
        .orderBy('created_ms')
        .orderBy('id')
        .execute();
      return rows.map(providerEndpointFromRow);
    },
  };
}

/** The outbox inside a write transaction: callbacks due with the change, provider endpoints. */
export function outboxTx(t: TxContext): OutboxTx {
  const { trx, adapter } = t;
  return {
    async pendingCallback(contractId) {
      const row = await trx
        .selectFrom('pending_callbacks')
        .select('url')
        .where('contract_id', '=', contractId)
        .executeTakeFirst();
      return row?.url;
    },

    async setPendingCallback(contractId, consumerId, url) {
      if (url === null) {
        await trx.deleteFrom('pending_callbacks').where('contract_id', '=', contractId).execute();
        return;
      }
      const values = { contract_id: contractId, consumer_id: consumerId, url, created_ms: t.nowMs };
      await trx
        .insertInto('pending_callbacks')
        .values(values)
        .onConflict((oc) => oc.column('contract_id').doUpdateSet({ url, created_ms: t.nowMs }))
        .execute();
    },

    async enqueueDelivery(d) {
      await trx
        .insertInto('callback_deliveries')
        .values({
          id: d.id,
          consumer_id: d.consumerId,
          contract_id: d.contractId,
          url: d.url,
          kind: d.kind,
          payload: d.payload,
          state: 'pending',
          attempts: 0,
          created_ms: t.nowMs,
          next_attempt_ms: t.nowMs,
          finished_ms: null,
          last_status: null,
          last_error: null,
        })
        .execute();
    },

    async requeueDelivery(webhookId) {
      const row = await locked(
        adapter,
        trx.selectFrom('callback_deliveries').select('state').where('id', '=', webhookId),
      ).executeTakeFirst();
      if (!row) return undefined;
      const state = row.state as DeliveryState;
      if (state === 'failed' || state === 'gone') {
        await trx
          .updateTable('callback_deliveries')
          .set({ state: 'pending', next_attempt_ms: t.nowMs, finished_ms: null })
          .where('id', '=', webhookId)
          .execute();
      }
      return state;
    },

    async providerEndpoints() {
      const rows = await trx.selectFrom('provider_endpoints').selectAll().orderBy('created_ms').orderBy('id').execute();
      return rows.map(providerEndpointFromRow);
    },

    async insertProviderEndpoint(row) {
      const r = await trx
        .insertInto('provider_endpoints')
        .values({
          id: row.id,
          url: row.url,
          secret: row.secret,
          description: row.description,
          created_ms: row.createdMs,
        })
        .onConflict((oc) => oc.column('url').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async getProviderEndpoint(id) {
      const row = await locked(
        adapter,
        trx.selectFrom('provider_endpoints').selectAll().where('id', '=', id),
      ).executeTakeFirst();
      return row ? providerEndpointFromRow(row) : undefined;
    },

    async setProviderEndpointSecret(id, secret) {
      await trx.updateTable('provider_endpoints').set({ secret }).where('id', '=', id).execute();
    },

    async deleteProviderEndpoint(id, url) {
      await trx.deleteFrom('provider_endpoints').where('id', '=', id).execute();
      await trx
        .updateTable('callback_deliveries')
        .set({ state: 'gone', finished_ms: t.nowMs, last_error: 'stopped: the provider endpoint was removed' })
        .where('kind', '=', 'provider')
        .where('url', '=', url)
        .where('state', '=', 'pending')
        .execute();
    },
  };
}
