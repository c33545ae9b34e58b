import { randomBytes } from 'node:crypto';
import type { Delivery } from '@finum-sync/spec/admin';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiCaller, adminApi, consumerApi, expectProblem, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { verifiedPayload } from '../helpers/callbacks.js';
import { refusedWithoutTrace } from '../helpers/db-dump.js';
import { fetchParsed, startTestServer, type TestConsumer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * Provider event endpoints managed in the admin API (issue 15 item 1), besides
 * `PROVIDER_WEBHOOK_URL`: added with a secret of their own, checked like callback URLs,
 * listed without secrets, rotated, removed — each change in the audit trail, each event
 * in the deliveries view.
 */

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe.each(inject('dialects'))('provider event endpoints in the admin API (%s)', (dialect) => {
  let server: TestServer;
  let admin: ApiCaller;
  let consumer: TestConsumer;
  const envSecret = newSecret();
  const fromEnv = new CallbackReceiver();
  const added = new CallbackReceiver();

  beforeAll(async () => {
    await fromEnv.start();
    await added.start();
    server = await startTestServer({
      dialect,
      env: {
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        CALLBACK_RETRY_BASE_MS: '20',
        ALLOW_PRIVATE_CALLBACKS: 'false',
        PROVIDER_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
        PROVIDER_WEBHOOK_URL: fromEnv.url,
        PROVIDER_WEBHOOK_SECRET: envSecret,
      },
    });
    admin = adminApi(server);
    consumer = await server.addConsumer('pe-managed');
  });
  afterAll(async () => {
    await server?.close();
    await fromEnv.stop();
    await added.stop();
  });

  const createClient = async (lastName: string) => {
    const r = await consumerApi(server, consumer).post('/v1/client', { type: 'person', lastName });
    expect(r.status, r.text).toBe(201);
    return r.body.id as string;
  };

  it('adds an endpoint with its own secret; events go to it and to PROVIDER_WEBHOOK_URL', async () => {
    const response = await admin.post('/admin/api/provider-endpoints', { url: added.url, description: 'Core' });
    expect(response.status, response.text).toBe(201);
    const { id, secret } = response.body;
    expect(id).toMatch(/^pe_[0-9a-z]{20}$/);
    expect(secret).toMatch(/^whsec_/);

    const list = await admin.get('/admin/api/provider-endpoints');
    expect(list.body).toEqual([
      { id: null, url: fromEnv.url, source: 'environment', description: null, createdAt: null },
      { id, url: added.url, source: 'admin', description: 'Core', createdAt: expect.any(String) },
    ]);
    expect(list.text).not.toContain(secret);

    const clientId = await createClient('Endpoint');
    const there = verifiedPayload(await added.next(), secret);
    expect(there).toMatchObject({ type: 'client.created', recordId: clientId });
    expect(verifiedPayload(await fromEnv.next(), envSecret)).toMatchObject({ recordId: clientId });

    // The deliveries view shows both, of kind provider.
    await waitFor(async () => {
      const deliveries = (await admin.get('/admin/api/deliveries?kind=provider')).body as Delivery[];
      const ofClient = deliveries.filter((d) => (d.payload as { recordId?: string }).recordId === clientId);
      return ofClient.length === 2 && ofClient.every((d) => d.state === 'delivered');
    }, 'both deliveries of the event delivered');

    // Rotated: the next event is signed with the new secret, not the old one.
    const rotated = await admin.post(`/admin/api/provider-endpoints/${id}/secret`);
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.secret).not.toBe(secret);
    const second = await createClient('Rotated');
    const next = await added.next();
    expect(verifiedPayload(next, rotated.body.secret)).toMatchObject({ recordId: second });
    expect(() => verifiedPayload(next, secret)).toThrow();
    await fromEnv.next();

    // Removed: no more events go there.
    expect((await admin.send('DELETE', `/admin/api/provider-endpoints/${id}`)).status).toBe(204);
    const third = await createClient('Removed');
    expect(verifiedPayload(await fromEnv.next(), envSecret)).toMatchObject({ recordId: third });
    const deliveries = (await admin.get('/admin/api/deliveries?kind=provider')).body as Delivery[];
    expect(deliveries.filter((d) => (d.payload as { recordId?: string }).recordId === third).map((d) => d.url)).toEqual(
      [fromEnv.url],
    );
    expect(added.received).toHaveLength(2);

    // Each change is in the audit trail with its actor.
    const trail = (await admin.get(`/admin/api/audit?target-type=provider-endpoint&target-id=${id}`)).body;
    expect(trail.map((e: { action: string }) => e.action)).toEqual([
      'provider-endpoint.removed',
      'provider-endpoint.secret-rotated',
      'provider-endpoint.added',
    ]);
    expect(trail[2].actor).toMatchObject({ kind: 'admin-token' });
    expect(JSON.stringify(trail)).not.toContain(rotated.body.secret);
  });

  it.each([
    ['http://10.1.2.3/events', 'private'],
    ['http://169.254.169.254/latest', 'link-local'],
    ['https://user:pw@core.example/events', 'credentials'],
    ['ftp://core.example/events', 'https'],
    ['not a url', 'absolute URL'],
  ])('refuses %s as callback URLs are refused (%s), leaving nothing behind', async (url, why) => {
    const response = await refusedWithoutTrace(server.db, () => admin.post('/admin/api/provider-endpoints', { url }));
    expectProblem(response, 400, 'callback-url-refused');
    expect(response.body.detail).toContain(why);
    expect(response.body.errors[0].field).toBe('url');
  });

  it('refuses a bad body, a duplicate, one of PROVIDER_WEBHOOK_URL and unknown ids', async () => {
    expectProblem(await admin.post('/admin/api/provider-endpoints', { href: added.url }), 400, 'invalid-body');
    expectProblem(await admin.post('/admin/api/provider-endpoints', [added.url]), 400, 'invalid-body');
    expectProblem(await admin.post('/admin/api/provider-endpoints', { url: fromEnv.url }), 409, 'conflict');
    const first = await admin.post('/admin/api/provider-endpoints', { url: `${added.url}/dup` });
    expect(first.status).toBe(201);
    expectProblem(await admin.post('/admin/api/provider-endpoints', { url: `${added.url}/dup` }), 409, 'conflict');
    expectProblem(
      await admin.send('DELETE', '/admin/api/provider-endpoints/pe_00000000000000000000'),
      404,
      'not-found',
    );
    expectProblem(await admin.post('/admin/api/provider-endpoints/pe_00000000000000000000/secret'), 404, 'not-found');
    expect((await admin.send('DELETE', `/admin/api/provider-endpoints/${first.body.id}`)).status).toBe(204);
  });

  it('refuses the endpoints without the admin token', async () => {
    expectProblem(await fetchParsed(`${server.url}/admin/api/provider-endpoints`), 401, 'unauthorized');
  });
});
