import { generateKeyPair, signToken } from '@finum-sync/client/node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { bearer, expectUnauthorized } from '../helpers/problem.js';
import { startTestServer, TEST_AUDIENCE, type TestServer } from '../helpers/server.js';

/**
 * Issue 11, item 9 (SPEC §3): a removed key's tokens are refused from then on, also when a
 * new key reuses the removed key's `kid` (the verified-token cache is keyed by key material).
 */

describe.each(inject('dialects'))('%s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
  });
  afterAll(() => server?.close());

  it("a token accepted before its key was removed is refused after a new key took the key's kid", async () => {
    const admin = adminApi(server);
    const consumer = await server.addConsumer('rotating');
    const first = generateKeyPair('ES256');
    expect(
      (await admin.post('/admin/api/consumers/rotating/keys', { publicKey: first.publicKey, kid: 'k1' })).status,
    ).toBe(201);
    const old = await signToken({
      payload: { sub: consumer.id, aud: TEST_AUDIENCE },
      privateKey: first.privateKey,
      kid: 'k1',
    });
    expect((await server.get('/v1/auth-status', undefined, bearer(old))).status).toBe(200);

    // Removed and replaced before the old token comes again.
    expect((await admin.send('DELETE', '/admin/api/consumers/rotating/keys/k1')).status).toBe(204);

    const second = generateKeyPair('ES256');
    expect(
      (await admin.post('/admin/api/consumers/rotating/keys', { publicKey: second.publicKey, kid: 'k1' })).status,
    ).toBe(201);
    expectUnauthorized(await server.get('/v1/auth-status', undefined, bearer(old)), /./);
    // The new key's own tokens pass.
    const fresh = await signToken({
      payload: { sub: consumer.id, aud: TEST_AUDIENCE },
      privateKey: second.privateKey,
      kid: 'k1',
    });
    expect((await server.get('/v1/auth-status', undefined, bearer(fresh))).status).toBe(200);
  });
});
