import { randomBytes } from 'node:crypto';
import { loadConfig } from '@finum-sync/server';
import type { Delivery } from '@finum-sync/spec/admin';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../packages/cli/test/run-cli.js';
import { type ApiCaller, adminApi, consumerApi, fileForm, seedBasics, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { CallbackReceiver, type ReceivedCallback } from '../helpers/callback-receiver.js';
import { verifiedPayload } from '../helpers/callbacks.js';
import { uniquePdf } from '../helpers/documents.js';
import { acrossSigkill, openOutboxFixture } from '../helpers/outbox.js';
import { startTestServer, type TestConsumer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * SPEC §10 provider events over real sockets: what consumers and applicants do is POSTed
 * to the provider's `PROVIDER_WEBHOOK_URL`s, signed with `PROVIDER_WEBHOOK_SECRET` (verified
 * with the `standardwebhooks` package), through the outbox of consumer callbacks — retried,
 * stopped by 410, refused on private addresses unless the host is allow-listed, listed in
 * the deliveries view, and delivered after a SIGKILL.
 */

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** The next `n` events at a receiver, verified, in arrival order. */
async function nextEvents(receiver: CallbackReceiver, secret: string, n: number) {
  const out: Array<{ callback: ReceivedCallback; event: Record<string, unknown> }> = [];
  for (let i = 0; i < n; i++) {
    const callback = await receiver.next();
    out.push({ callback, event: verifiedPayload(callback, secret) });
  }
  return out;
}

async function providerDeliveries(admin: ApiCaller, query = ''): Promise<Delivery[]> {
  const response = await admin.get(`/admin/api/deliveries?kind=provider${query}`);
  expect(response.status, response.text).toBe(200);
  return response.body;
}

describe.each(inject('dialects'))('provider events (%s)', (dialect) => {
  let server: TestServer;
  let admin: ApiCaller;
  let consumer: TestConsumer;
  let basics: { productId: string; clientId: string };
  const secret = newSecret();
  const core = new CallbackReceiver();
  /** A second URL whose host is not allow-listed: `localhost` resolves to loopback, refused at connect time. */
  let refusedUrl: string;

  beforeAll(async () => {
    await core.start();
    refusedUrl = core.url.replace('http://127.0.0.1', 'https://localhost');
    server = await startTestServer({
      dialect,
      env: {
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        CALLBACK_RETRY_BASE_MS: '20',
        // Private addresses are refused, except the allow-listed core system's host.
        ALLOW_PRIVATE_CALLBACKS: 'false',
        PROVIDER_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
        PROVIDER_WEBHOOK_URL: `${core.url}, ${refusedUrl}`,
        PROVIDER_WEBHOOK_SECRET: secret,
      },
    });
    admin = adminApi(server);
    consumer = await server.addConsumer('pe-acme');
    basics = await seedBasics(server, consumer, { requiredFields: [] });
  });
  afterAll(async () => {
    // Nothing ever arrived unsigned or signed with another secret.
    for (const callback of core.received) verifiedPayload(callback, secret);
    await server?.close();
    await core.stop();
  });

  it('announces what consumers and applicants do, signed, with the documented payloads', async () => {
    // seedBasics created one client through the API.
    const [seeded] = await nextEvents(core, secret, 1);
    expect(seeded!.event).toEqual({
      type: 'client.created',
      occurredAt: expect.any(String),
      consumerId: consumer.id,
      recordId: basics.clientId,
    });

    const api = consumerApi(server, consumer);
    const patched = await api.patch('/v1/client', { id: basics.clientId, firstName: 'Anna' });
    expect(patched.status, patched.text).toBe(200);
    const [updated] = await nextEvents(core, secret, 1);
    expect(updated!.event).toMatchObject({
      type: 'client.updated',
      consumerId: consumer.id,
      recordId: basics.clientId,
    });

    const created = await api.post('/v1/contract', {
      holderId: basics.clientId,
      productId: basics.productId,
      status: 120,
    });
    expect(created.status, created.text).toBe(201);
    const contractEvents = (await nextEvents(core, secret, 2)).map((e) => e.event);
    const base = {
      occurredAt: created.body.statusChangedAt,
      consumerId: consumer.id,
      contractId: created.body.id,
      recordId: created.body.id,
      status: 120,
      previousStatus: null,
    };
    expect(contractEvents).toEqual(
      expect.arrayContaining([
        { ...base, type: 'contract.created' },
        { ...base, type: 'contract.proposal-requested' },
      ]),
    );

    // The provider's own change is not echoed back; the consumer's order is announced.
    const proposal = await admin.post(`/admin/api/contracts/${created.body.id}/status`, { status: 130 });
    expect(proposal.status, proposal.text).toBe(200);
    const ordered = await api.patch('/v1/contract', { id: created.body.id, status: 230 });
    expect(ordered.status, ordered.text).toBe(200);
    const [order] = await nextEvents(core, secret, 1);
    expect(order!.event).toEqual({
      type: 'contract.order-placed',
      occurredAt: ordered.body.statusChangedAt,
      consumerId: consumer.id,
      contractId: created.body.id,
      recordId: created.body.id,
      status: 230,
      previousStatus: 130,
    });

    const draft = await api.post('/v1/contract', {
      holderId: basics.clientId,
      productId: basics.productId,
      status: 100,
    });
    expect(draft.status, draft.text).toBe(201);
    const [draftCreated] = await nextEvents(core, secret, 1);
    expect(draftCreated!.event).toMatchObject({ type: 'contract.created', contractId: draft.body.id, status: 100 });
    const withdrawn = await api.patch('/v1/contract', { id: draft.body.id, status: 190 });
    expect(withdrawn.status, withdrawn.text).toBe(200);
    const [withdrawal] = await nextEvents(core, secret, 1);
    expect(withdrawal!.event).toMatchObject({
      type: 'contract.withdrawn',
      contractId: draft.body.id,
      status: 190,
      previousStatus: 100,
    });

    const uploaded = await api.send('POST', '/v1/file', {
      body: fileForm(
        { bytes: uniquePdf(), type: 'application/pdf', name: 'id.pdf' },
        { contractId: created.body.id, category: 'correspondence' },
      ),
    });
    expect(uploaded.status, uploaded.text).toBe(201);
    const [file] = await nextEvents(core, secret, 1);
    expect(file!.event).toEqual({
      type: 'file.uploaded',
      occurredAt: expect.any(String),
      consumerId: consumer.id,
      recordId: uploaded.body.id,
      contractId: created.body.id,
      clientId: null,
    });

    const applied = await fetch(`${server.url}/onboarding/api/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        company: 'Events Broker GmbH',
        contactName: 'Anna Huber',
        email: 'anna.huber@events-broker.example',
        phone: '+43 1 234 5678',
        intendedUse: 'Our broker CRM syncs the contracts of our clients every night.',
        keySource: 'provider',
      }),
    });
    const receipt = (await applied.json()) as { applicationId: string };
    expect(applied.status, JSON.stringify(receipt)).toBe(201);
    const [application] = await nextEvents(core, secret, 1);
    expect(application!.event).toEqual({
      type: 'application.submitted',
      occurredAt: expect.any(String),
      applicationId: receipt.applicationId,
      company: 'Events Broker GmbH',
    });

    // The deliveries view lists them: provider deliveries, no consumer, delivered once each.
    const delivered = await waitFor(async () => {
      const list = (await providerDeliveries(admin, '&state=delivered')).filter((d) => d.url === core.url);
      return list.length === core.received.length ? list : undefined;
    }, 'every provider event delivered');
    for (const d of delivered) expect(d).toMatchObject({ kind: 'provider', consumerId: null });
    expect(new Set(delivered.map((d) => d.webhookId))).toEqual(
      new Set(core.received.map((c) => c.headers['webhook-id'])),
    );
    const ofContract = await admin.get(`/admin/api/deliveries?kind=provider&contract-id=${created.body.id}`);
    expect(ofContract.body.map((d: Delivery) => d.payload.type).sort()).toEqual(
      // Each to both URLs.
      [
        'contract.created',
        'contract.created',
        'contract.order-placed',
        'contract.order-placed',
        'contract.proposal-requested',
        'contract.proposal-requested',
        'file.uploaded',
        'file.uploaded',
      ],
    );
  });

  it('refuses an unknown kind in the deliveries view with a 400 problem', async () => {
    const response = await admin.get('/admin/api/deliveries?kind=lost');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body.detail).toBe('kind must be one-shot, standing or provider.');
  });

  it('refuses a host that is not allow-listed when it resolves to a loopback address, at connect time', async () => {
    const refused = await waitFor(async () => {
      const list = (await providerDeliveries(admin)).filter((d) => d.url === refusedUrl && d.attempts.length > 0);
      return list.length > 0 ? list : undefined;
    }, 'an attempt to the refused URL');
    expect(refused[0]!.attempts[0]).toMatchObject({ status: null, error: expect.stringMatching(/loopback/) });
  });

  it('retries through an outage with the same webhook-id, and stops at 410 Gone', async () => {
    const api = consumerApi(server, consumer);
    core.status = 503;
    const before = core.received.length;
    const created = await api.post('/v1/client', { type: 'person', lastName: 'Outage' });
    expect(created.status, created.text).toBe(201);
    const first = await core.next();
    const second = await core.next();
    core.status = 204;
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    const third = await waitFor(async () => {
      const list = await providerDeliveries(admin, '&state=delivered');
      return list.find((d) => d.webhookId === first.headers['webhook-id']);
    }, 'the event delivered once the receiver answers');
    expect(third.attempts.map((a) => a.status).slice(0, 2)).toEqual([503, 503]);
    expect(third.attempts.at(-1)!.status).toBe(204);
    expect(verifiedPayload(first, secret)).toMatchObject({ type: 'client.created', recordId: created.body.id });
    // Drain: every attempt of this event arrived with the same id.
    await waitFor(async () => core.received.length - before === third.attempts.length || undefined, 'all attempts');
    for (const c of core.received.slice(before)) expect(c.headers['webhook-id']).toBe(first.headers['webhook-id']);
    core.skipReceived();

    core.status = 410;
    const gone = await api.post('/v1/client', { type: 'person', lastName: 'Gone' });
    expect(gone.status, gone.text).toBe(201);
    const goneCall = await core.next();
    core.status = 204;
    const stopped = await waitFor(async () => {
      const list = await providerDeliveries(admin, '&state=gone');
      return list.find((d) => d.webhookId === goneCall.headers['webhook-id']);
    }, 'the delivery stopped by 410');
    expect(stopped.attempts).toHaveLength(1);
  });
});

describe('provider events configuration', () => {
  const valid = { PROVIDER_WEBHOOK_URL: 'https://core.example/events', PROVIDER_WEBHOOK_SECRET: newSecret() };

  it('accepts one or more URLs with a whsec_ secret and an allow-list of hosts', () => {
    const config = loadConfig({
      PROVIDER_WEBHOOK_URL: 'https://core.example/events, http://core.internal:8081/finum',
      PROVIDER_WEBHOOK_SECRET: valid.PROVIDER_WEBHOOK_SECRET,
      PROVIDER_WEBHOOK_ALLOW_HOSTS: 'Core.Internal',
    });
    expect(config.providerWebhookUrls).toEqual(['https://core.example/events', 'http://core.internal:8081/finum']);
    expect(config.providerWebhookAllowHosts).toEqual(['core.internal']);
    expect(config.providerWebhookSecret).toBe(valid.PROVIDER_WEBHOOK_SECRET);
  });

  it.each([
    [
      { ...valid, PROVIDER_WEBHOOK_URL: 'core.example/events' },
      /PROVIDER_WEBHOOK_URL: core\.example\/events: not an absolute URL/,
    ],
    [{ ...valid, PROVIDER_WEBHOOK_URL: 'http://core.example/events' }, /PROVIDER_WEBHOOK_URL: .*use https/],
    [{ ...valid, PROVIDER_WEBHOOK_URL: 'https://10.0.0.7/events' }, /10\.0\.0\.7 is a private address/],
    [
      { ...valid, PROVIDER_WEBHOOK_URL: 'https://169.254.169.254/', PROVIDER_WEBHOOK_ALLOW_HOSTS: '169.254.169.254' },
      /link-local/,
    ],
    [{ ...valid, PROVIDER_WEBHOOK_SECRET: 'not-a-secret' }, /PROVIDER_WEBHOOK_SECRET: whsec_/],
    [{ ...valid, PROVIDER_WEBHOOK_SECRET: 'whsec_c2hvcnQ=' }, /PROVIDER_WEBHOOK_SECRET: whsec_/],
    [
      { PROVIDER_WEBHOOK_URL: valid.PROVIDER_WEBHOOK_URL },
      /PROVIDER_WEBHOOK_SECRET: required with PROVIDER_WEBHOOK_URL/,
    ],
  ])('refuses %j in one line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('serve exits 2 with one line on stderr for a bad secret', async () => {
    const result = await runCli(['serve'], { ...valid, PROVIDER_WEBHOOK_SECRET: 'whsec_short' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^finum-sync: Invalid configuration: PROVIDER_WEBHOOK_SECRET: whsec_/);
  });
});

/** SPEC §10 "retried exactly like consumer callbacks": the outbox survives a SIGKILL. */
describe.concurrent('provider events across a crash', () => {
  it.each(inject('dialects'))(
    'delivers an event acknowledged before a SIGKILL once a new process runs (%s)',
    { timeout: 150_000 },
    async (dialect) => {
      const fixture = await openOutboxFixture(dialect, 'pe-crash');
      const { receiver } = fixture;
      const secret = newSecret();
      const env = {
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        CALLBACK_RETRY_BASE_MS: '20',
        PROVIDER_WEBHOOK_URL: receiver.url,
        PROVIDER_WEBHOOK_SECRET: secret,
        PROVIDER_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      };
      try {
        await acrossSigkill(
          fixture,
          env,
          async (_first, createContract) => {
            await createContract({ status: 120 });
          },
          async (second) => {
            const types = new Set<string>();
            for (let i = 0; i < 3; i++) types.add(String(verifiedPayload(await receiver.next(140_000), secret).type));
            expect(types).toEqual(new Set(['client.created', 'contract.created', 'contract.proposal-requested']));
            const delivered = await waitFor(async () => {
              const list = await providerDeliveries(adminApi(second), '&state=delivered');
              return list.length === 3 ? list : undefined;
            }, 'three provider events delivered');
            expect(new Set(delivered.map((d) => d.webhookId))).toEqual(
              new Set(receiver.received.map((c) => c.headers['webhook-id'])),
            );
          },
        );
      } finally {
        await fixture.close();
      }
    },
  );
});
