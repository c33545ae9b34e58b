import { generateKeyPair, signToken } from '@finum-sync/client/node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiCaller, adminApi, expectProblem, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { fetchParsed, startTestServer, TEST_AUDIENCE, type TestServer } from '../helpers/server.js';

/**
 * `POST /admin/api/consumers` (issue 15 item 6: what `finum-sync consumer add --server` calls):
 * registers a consumer under the server's audience; the credentials it answers with work at once.
 */
describe.each(inject('dialects'))('admin: register a consumer (%s)', (dialect) => {
  let server: TestServer;
  let admin: ApiCaller;

  beforeAll(async () => {
    server = await startTestServer({
      dialect,
      env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN, ALLOW_PRIVATE_CALLBACKS: 'false' },
    });
    admin = adminApi(server);
  });
  afterAll(() => server?.close());

  it('answers 201 with credentials a consumer can sign tokens with', async () => {
    const pair = generateKeyPair('ES256');
    const created = await admin.post('/admin/api/consumers', {
      id: 'remote-broker',
      publicKey: pair.publicKey,
      name: 'Remote Broker',
      callbackUrl: 'https://93.184.215.14/callbacks',
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toEqual({
      consumerId: 'remote-broker',
      payload: { sub: 'remote-broker', aud: TEST_AUDIENCE },
      callbackSecret: expect.stringMatching(/^whsec_/),
    });
    const token = await signToken({ payload: created.body.payload, privateKey: pair.privateKey, alg: 'ES256' });
    const status = await fetchParsed(`${server.url}/v1/auth-status`, { headers: { authorization: `Bearer ${token}` } });
    expect(status.status, status.text).toBe(200);
    const listed = (await admin.get('/admin/api/consumers')).body as Array<Record<string, unknown>>;
    expect(listed.find((c) => c.id === 'remote-broker')).toMatchObject({
      name: 'Remote Broker',
      status: 'active',
      callbackUrl: 'https://93.184.215.14/callbacks',
    });
  });

  it('refuses a taken id (409), a bad key, a private callback URL and an empty name (400), without writing', async () => {
    const pair = generateKeyPair('ES256');
    expectProblem(await admin.post('/admin/api/consumers', { id: 'remote-broker', publicKey: pair.publicKey }), 409);
    const badKey = await admin.post('/admin/api/consumers', { id: 'bad-key', publicKey: 'not a key' });
    expectProblem(badKey, 400);
    expect(badKey.body.errors[0].field).toBe('publicKey');
    const privateUrl = await admin.post('/admin/api/consumers', {
      id: 'private-url',
      publicKey: pair.publicKey,
      callbackUrl: 'https://10.0.0.7/callbacks',
    });
    expectProblem(privateUrl, 400);
    expect(privateUrl.body.errors[0].field).toBe('callbackUrl');
    const noName = await admin.post('/admin/api/consumers', { id: 'no-name', publicKey: pair.publicKey, name: '' });
    expectProblem(noName, 400);
    expect(noName.body.errors[0].field).toBe('name');
    const ids = ((await admin.get('/admin/api/consumers')).body as Array<{ id: string }>).map((c) => c.id);
    expect(ids).toEqual(['remote-broker']);
  });

  it('needs the admin token', async () => {
    const pair = generateKeyPair('ES256');
    const anonymous = adminApi(server, 'wrong-token-0123456789');
    expectProblem(await anonymous.post('/admin/api/consumers', { id: 'sneaky', publicKey: pair.publicKey }), 401);
  });
});
