import type { StoredRecord } from '@finum-sync/server';
import { describe, expect, inject, it } from 'vitest';
import { adminApi, consumerApi, seedBasics, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { deliveriesOf, verifiedPayload, waitForDelivery } from '../helpers/callbacks.js';
import { openOutboxFixture } from '../helpers/outbox.js';
import { type ServerProcess, spawnServer } from '../helpers/serve-process.js';

/**
 * SPEC §8: deliveries survive a server restart. The server runs as a child process on a
 * file-based SQLite directory or a PostgreSQL database; it is killed with SIGKILL right
 * after it acknowledged a status change while the receiver is down, a new process is
 * started on the same database, the receiver comes back on the same port, and the
 * callback arrives, signed.
 */
// The dialects run side by side: a kill during an attempt leaves that delivery leased for
// 20 s (the worker's LEASE_MS) before another process takes it up again, so a run may wait
// that long.
describe.concurrent('callbacks across a crash', () => {
  it.each(inject('dialects'))(
    'delivers a callback acknowledged before a SIGKILL once a new process runs (%s)',
    { timeout: 150_000 },
    async (dialect) => {
      const { db, store, consumer, receiver, close } = await openOutboxFixture(dialect);
      const env = {
        ...db.env,
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        ALLOW_PRIVATE_CALLBACKS: 'true',
        CALLBACK_RETRY_BASE_MS: '20',
      };
      let first: ServerProcess | undefined;
      let second: ServerProcess | undefined;
      try {
        await receiver.stop();

        first = await spawnServer(env);
        const basics = await seedBasics(
          {
            url: first.url,
            putRecords: (records: StoredRecord[]) => store.transaction((tx) => tx.putRecords(records)),
          },
          consumer,
        );
        const created = await consumerApi(first, consumer).post('/v1/contract', {
          holderId: basics.clientId,
          productId: basics.productId,
          callbackUrl: receiver.url,
        });
        expect(created.status, created.text).toBe(201);
        const changed = await adminApi(first).post(`/admin/api/contracts/${created.body.id}/status`, { status: 130 });
        expect(changed.status, changed.text).toBe(200);
        expect(await first.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

        second = await spawnServer(env);
        await receiver.start();
        const callback = await receiver.next(140_000);
        expect(verifiedPayload(callback, consumer.callbackSecret)).toEqual({
          type: 'contract.status-changed',
          contractId: created.body.id,
          status: 130,
          previousStatus: 120,
          changedBy: 'provider',
          occurredAt: changed.body.statusChangedAt,
        });
        const admin = adminApi(second);
        const delivery = await waitForDelivery(admin, created.body.id, (d) => d.state === 'delivered', 'delivered');
        expect(delivery.webhookId).toBe(callback.headers['webhook-id']);
        expect(delivery.attempts.at(-1)!.status).toBe(204);
        expect(await deliveriesOf(admin, created.body.id)).toHaveLength(1);
        for (const c of receiver.received) verifiedPayload(c, consumer.callbackSecret);
      } finally {
        await first?.kill('SIGKILL');
        await second?.kill('SIGTERM');
        await close();
      }
    },
  );
});
