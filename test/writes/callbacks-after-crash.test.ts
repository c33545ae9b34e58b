import { describe, expect, inject, it } from 'vitest';
import { adminApi, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { deliveriesOf, verifiedPayload, waitForDelivery } from '../helpers/callbacks.js';
import { acrossSigkill, openOutboxFixture } from '../helpers/outbox.js';

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
      const fixture = await openOutboxFixture(dialect);
      const { consumer, receiver } = fixture;
      const env = { ADMIN_TOKEN: TEST_ADMIN_TOKEN, ALLOW_PRIVATE_CALLBACKS: 'true', CALLBACK_RETRY_BASE_MS: '20' };
      try {
        await acrossSigkill(
          fixture,
          env,
          async (first, createContract) => {
            const created = await createContract({ callbackUrl: receiver.url });
            const changed = await adminApi(first).post(`/admin/api/contracts/${created.body.id}/status`, {
              status: 130,
            });
            expect(changed.status, changed.text).toBe(200);
            return { contractId: created.body.id as string, changedAt: changed.body.statusChangedAt as string };
          },
          async (second, { contractId, changedAt }) => {
            const callback = await receiver.next(140_000);
            expect(verifiedPayload(callback, consumer.callbackSecret)).toEqual({
              type: 'contract.status-changed',
              contractId,
              status: 130,
              previousStatus: 120,
              changedBy: 'provider',
              occurredAt: changedAt,
            });
            const admin = adminApi(second);
            const delivery = await waitForDelivery(admin, contractId, (d) => d.state === 'delivered', 'delivered');
            expect(delivery.webhookId).toBe(callback.headers['webhook-id']);
            expect(delivery.attempts.at(-1)!.status).toBe(204);
            expect(await deliveriesOf(admin, contractId)).toHaveLength(1);
            for (const c of receiver.received) verifiedPayload(c, consumer.callbackSecret);
          },
        );
      } finally {
        await fixture.close();
      }
    },
  );
});
