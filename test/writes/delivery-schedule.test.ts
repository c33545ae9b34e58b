import { describe, expect, inject, it } from 'vitest';
// Internals of the server package (not exported): the worker's backoff.
import { retryDelay } from '../../packages/server/dist/callbacks/delivery-worker.js';
import { adminApi, consumerApi, seedBasics, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { verifiedPayload, waitForDelivery } from '../helpers/callbacks.js';
import { enqueueDelivery, runWorkerUntil, storedDelivery, useOutboxFixture } from '../helpers/outbox.js';
import { startTestServer } from '../helpers/server.js';

/**
 * SPEC §8: a failed callback is retried with exponential backoff and jitter for 3 days; an
 * answer that does not come within 10 s is a failure.
 */
const DAY = 86_400_000;

describe('retry backoff', () => {
  it('doubles per attempt up to the cap, with jitter between half and the full delay', () => {
    const base = 5_000;
    const cap = 3_600_000;
    for (let attempt = 1; attempt <= 14; attempt++) {
      const d = Math.min(cap, base * 2 ** (attempt - 1));
      expect(retryDelay(attempt, base, cap, () => 0)).toBe(d / 2);
      expect(retryDelay(attempt, base, cap, () => 1)).toBe(d);
      const samples = Array.from({ length: 200 }, () => retryDelay(attempt, base, cap));
      expect(Math.min(...samples)).toBeGreaterThanOrEqual(d / 2);
      expect(Math.max(...samples)).toBeLessThanOrEqual(d);
      expect(new Set(samples).size).toBeGreaterThan(10);
    }
    expect(retryDelay(1000, base, cap, () => 1)).toBe(cap);
  });
});

describe.each(inject('dialects'))('giving up after 3 days (%s)', (dialect) => {
  const fixture = useOutboxFixture(dialect);

  it('keeps retrying until 3 days after the change, then marks the delivery failed', async () => {
    const { store, receiver } = fixture();
    receiver.status = 503;
    const id = await enqueueDelivery(store, 'acme', receiver.url);
    const { createdMs } = await storedDelivery(store, id);
    const policy = { allowPrivate: true };
    // The worker's clock is injected: the same delivery, seen shortly before and after 3 days.
    await runWorkerUntil(
      { store, policy, clock: () => createdMs + 3 * DAY - 3_600_000, maxRetryDelayMs: 10 },
      async () => (await storedDelivery(store, id)).attemptList.length === 1,
      'an attempt before the 3 days are over',
    );
    expect(await storedDelivery(store, id)).toMatchObject({ state: 'pending', attempts: 1 });

    await runWorkerUntil(
      { store, policy, clock: () => createdMs + 3 * DAY + 60_000, maxRetryDelayMs: 10 },
      async () => (await storedDelivery(store, id)).state !== 'pending',
      'the last attempt',
    );
    const delivery = await storedDelivery(store, id);
    expect(delivery.state).toBe('failed');
    expect(delivery.attemptList.map((a) => a.status)).toEqual([503, 503]);
    expect(receiver.received).toHaveLength(2);
  });
});

describe.concurrent('the 10 s answer timeout', () => {
  it.each(inject('dialects'))(
    'counts a receiver that does not answer within 10 s as a failure and retries (%s)',
    { timeout: 60_000 },
    async (dialect) => {
      const server = await startTestServer({
        dialect,
        env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN, CALLBACK_RETRY_BASE_MS: '20' },
      });
      const receiver = await new CallbackReceiver().start();
      try {
        const consumer = await server.addConsumer('acme');
        const basics = await seedBasics(server, consumer);
        const admin = adminApi(server);
        receiver.hang = true;
        const created = await consumerApi(server, consumer).post('/v1/contract', {
          holderId: basics.clientId,
          productId: basics.productId,
          callbackUrl: receiver.url,
        });
        expect(created.status, created.text).toBe(201);
        await admin.post(`/admin/api/contracts/${created.body.id}/status`, { status: 130 });
        const first = await receiver.next();
        const timedOut = await waitForDelivery(
          admin,
          created.body.id,
          (d) => d.attempts.length >= 1,
          'the attempt to time out',
        );
        const attempt = timedOut.attempts[0]!;
        expect(attempt).toMatchObject({ status: null, error: 'no answer within 10 s' });
        expect(attempt.durationMs).toBeGreaterThanOrEqual(9_900);
        expect(attempt.durationMs).toBeLessThan(15_000);
        expect(timedOut.state).toBe('pending');

        receiver.hang = false;
        const second = await receiver.next();
        expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
        verifiedPayload(second, consumer.callbackSecret);
        await waitForDelivery(admin, created.body.id, (d) => d.state === 'delivered', 'the retry');
      } finally {
        await receiver.stop();
        await server.close();
      }
    },
  );
});
