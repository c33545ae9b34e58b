import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiCaller, adminApi, consumerApi, seedBasics, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { deliveriesOf, verifiedPayload, waitForDelivery } from '../helpers/callbacks.js';
import { startTestServer, type TestConsumer, type TestServer } from '../helpers/server.js';

/**
 * SPEC §8 callbacks over real sockets: the one-shot `callbackUrl`, the standing URL,
 * Standard Webhooks signatures, retries with the same `webhook-id`, no redirects,
 * `410 Gone`, attempts in the back office, and a receiver that comes back.
 */
describe.each(inject('dialects'))('status callbacks (%s)', (dialect) => {
  let server: TestServer;
  let admin: ApiCaller;
  let consumers = 0;
  const receivers: Array<{ receiver: CallbackReceiver; secret: string }> = [];

  beforeAll(async () => {
    server = await startTestServer({
      dialect,
      env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN, CALLBACK_RETRY_BASE_MS: '20' },
    });
    admin = adminApi(server);
  });
  afterEach(async () => {
    // No callback is ever sent unsigned, or signed with another consumer's secret.
    for (const { receiver, secret } of receivers.splice(0)) {
      for (const callback of receiver.received) verifiedPayload(callback, secret);
      await receiver.stop();
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A consumer of its own (standing URL and secret), a receiver, and a way to make contracts. */
  async function setup(product: Record<string, unknown> = {}) {
    const consumer = await server.addConsumer(`cb-${++consumers}`);
    const api = consumerApi(server, consumer);
    const basics = await seedBasics(server, consumer, product);
    const receiver = await receiverFor(consumer);
    const contract = async (fields: Record<string, unknown> = {}) => {
      const created = await api.post('/v1/contract', {
        holderId: basics.clientId,
        productId: basics.productId,
        ...fields,
      });
      expect(created.status, created.text).toBe(201);
      return created.body as { id: string; status: number; statusChangedAt: string };
    };
    return { consumer, api, receiver, contract };
  }
  async function receiverFor(consumer: TestConsumer) {
    const receiver = await new CallbackReceiver().start();
    receivers.push({ receiver, secret: consumer.callbackSecret });
    return receiver;
  }
  async function providerSets(contractId: string, status: number) {
    const response = await admin.post(`/admin/api/contracts/${contractId}/status`, { status });
    expect(response.status, response.text).toBe(200);
    return response.body as { statusChangedAt: string };
  }

  it('calls the one-shot callbackUrl once, at the next status change, signed, with the documented payload', async () => {
    const { consumer, receiver, contract } = await setup();
    const created = await contract({ status: 120, callbackUrl: receiver.url });
    expect(await deliveriesOf(admin, created.id)).toEqual([]);

    const changed = await providerSets(created.id, 130);
    const callback = await receiver.next();
    expect(verifiedPayload(callback, consumer.callbackSecret)).toEqual({
      type: 'contract.status-changed',
      contractId: created.id,
      status: 130,
      previousStatus: 120,
      changedBy: 'provider',
      occurredAt: changed.statusChangedAt,
    });
    expect(callback.headers['content-type']).toMatch(/^application\/json/);
    expect(callback.headers['webhook-id']).toEqual(expect.any(String));

    await providerSets(created.id, 140);
    // The outbox is written in the status change's transaction: no second delivery exists.
    const deliveries = await deliveriesOf(admin, created.id);
    expect(deliveries.map((d) => [d.url, d.kind, d.payload.status])).toEqual([[receiver.url, 'one-shot', 130]]);
    expect(receiver.received).toHaveLength(1);
  });

  it('keeps the one-shot callbackUrl through the consumer’s own changes (110 → 120) for the provider’s next one', async () => {
    const { consumer, api, receiver, contract } = await setup({ requiredFields: ['startDate'] });
    // A proposal request missing the product's required data: the provider answers 110 at once.
    const created = await contract({ status: 120, callbackUrl: receiver.url });
    expect(created.status).toBe(110);
    // The consumer's own change (110 → 120, the data still missing: 110 again) does not use it…
    const again = await api.patch('/v1/contract', { id: created.id, status: 120 });
    expect(again.status, again.text).toBe(200);
    const draft = await contract({ status: 100, callbackUrl: receiver.url, startDate: '2027-01-01' });
    const asked = await api.patch('/v1/contract', { id: draft.id, status: 120 });
    expect(asked.status, asked.text).toBe(200);
    expect(asked.body.status).toBe(120);
    expect(await deliveriesOf(admin, draft.id)).toEqual([]);
    // …the provider's next change does, once.
    await providerSets(draft.id, 130);
    const payload = verifiedPayload(await receiver.next(), consumer.callbackSecret);
    expect(payload).toMatchObject({ contractId: draft.id, status: 130, previousStatus: 120, changedBy: 'provider' });
    expect((await deliveriesOf(admin, draft.id)).map((d) => d.kind)).toEqual(['one-shot']);
    await providerSets(created.id, 140);
    const second = verifiedPayload(await receiver.next(), consumer.callbackSecret);
    expect(second).toMatchObject({ contractId: created.id, status: 140, changedBy: 'provider' });
    expect(receiver.received).toHaveLength(2);
  });

  it('calls the standing callback URL at every status change', async () => {
    const { consumer, api, receiver, contract } = await setup();
    await server.store.transaction(async (tx) => {
      const row = (await tx.getConsumer(consumer.id))!;
      await tx.putConsumer({ ...row, callbackUrl: receiver.url });
    });
    const created = await contract();
    await providerSets(created.id, 130);
    const first = await receiver.next();
    expect(await api.patch('/v1/contract', { id: created.id, status: 230 })).toMatchObject({ status: 200 });
    const second = await receiver.next();
    await providerSets(created.id, 320);
    const third = await receiver.next();
    await providerSets(created.id, 410);
    const fourth = await receiver.next();

    const payloads = [first, second, third, fourth].map((c) => verifiedPayload(c, consumer.callbackSecret));
    expect(payloads.map((p) => [p.previousStatus, p.status, p.changedBy])).toEqual([
      [120, 130, 'provider'],
      [130, 230, 'consumer'],
      [230, 320, 'provider'],
      [320, 410, 'provider'],
    ]);
    const ids = [first, second, third, fourth].map((c) => c.headers['webhook-id']);
    expect(new Set(ids).size).toBe(4);
    expect((await deliveriesOf(admin, created.id)).every((d) => d.kind === 'standing')).toBe(true);
  });

  it('retries a receiver answering 500 with the same webhook-id and a valid signature', async () => {
    const { consumer, receiver, contract } = await setup();
    receiver.status = 500;
    const created = await contract({ callbackUrl: receiver.url });
    await providerSets(created.id, 130);
    const failed = [await receiver.next(), await receiver.next(), await receiver.next()];
    receiver.status = 204;
    const delivered = await receiver.next();

    const webhookIds = new Set([...failed, delivered].map((c) => c.headers['webhook-id']));
    expect(webhookIds.size).toBe(1);
    for (const c of [...failed, delivered]) {
      expect(verifiedPayload(c, consumer.callbackSecret)).toMatchObject({ contractId: created.id, status: 130 });
    }
    const delivery = await waitForDelivery(admin, created.id, (d) => d.state === 'delivered', 'the 4th attempt');
    expect(delivery.webhookId).toBe([...webhookIds][0]);
    expect(delivery.attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
      [4, 204],
    ]);
  });

  it('does not follow a redirect: it counts as a failure and the target receives nothing', async () => {
    const { consumer, receiver, contract } = await setup();
    const target = await receiverFor(consumer);
    receiver.status = 307;
    receiver.responseHeaders = { location: target.url };
    const created = await contract({ callbackUrl: receiver.url });
    await providerSets(created.id, 130);
    await receiver.next();
    await receiver.next();
    const delivery = await waitForDelivery(admin, created.id, (d) => d.attempts.length >= 2, 'two recorded attempts');
    expect(delivery.attempts.slice(0, 2).map((a) => a.status)).toEqual([307, 307]);
    expect(target.received).toEqual([]);

    receiver.status = 410;
    receiver.responseHeaders = {};
    await receiver.next();
    await waitForDelivery(admin, created.id, (d) => d.state === 'gone', 'the 410');
    expect(target.received).toEqual([]);
  });

  it('stops retrying at 410 Gone', async () => {
    const { receiver, contract } = await setup();
    receiver.status = 410;
    const created = await contract({ callbackUrl: receiver.url });
    await providerSets(created.id, 130);
    await receiver.next();
    const delivery = await waitForDelivery(admin, created.id, (d) => d.state !== 'pending', 'a final state');
    expect(delivery.state).toBe('gone');
    expect(delivery.attempts.map((a) => a.status)).toEqual([410]);
    // Only pending deliveries are ever claimed again: a gone one gets no further attempt.
    expect(
      (await admin.get('/admin/api/deliveries?state=pending')).body.map((d: { webhookId: string }) => d.webhookId),
    ).not.toContain(delivery.webhookId);
    expect(receiver.received).toHaveLength(1);
  });

  it('delivers a callback whose receiver was down once it is back', async () => {
    const { consumer, receiver, contract } = await setup();
    await receiver.stop();
    const created = await contract({ callbackUrl: receiver.url });
    const changed = await providerSets(created.id, 130);
    const failing = await waitForDelivery(
      admin,
      created.id,
      (d) => d.attempts.length >= 1,
      'an attempt at the stopped receiver',
    );
    expect(failing.state).toBe('pending');
    expect(failing.attempts[0]).toMatchObject({ status: null, error: expect.stringMatching(/ECONNREFUSED/) });

    await receiver.start();
    const callback = await receiver.next();
    expect(callback.headers['webhook-id']).toBe(failing.webhookId);
    expect(verifiedPayload(callback, consumer.callbackSecret)).toMatchObject({
      contractId: created.id,
      status: 130,
      occurredAt: changed.statusChangedAt,
    });
    const delivered = await waitForDelivery(admin, created.id, (d) => d.state === 'delivered', 'delivered');
    expect(delivered.attempts.at(-1)!.status).toBe(204);
    expect(delivered.attempts.slice(0, -1).every((a) => a.status === null && /ECONNREFUSED/.test(a.error!))).toBe(true);
  });
});
