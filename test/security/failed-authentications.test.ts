import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { bearer, expectProblem, expectUnauthorized } from '../helpers/problem.js';
import { startTestServer, type TestConsumer, type TestServer } from '../helpers/server.js';
import { nowS, signClaims } from '../helpers/tokens.js';

/**
 * Issue 11, items 5 and 13 (SPEC §3): failed authentications are limited per client
 * address — consumer tokens on /v1 and the admin token on every /admin/api route — and a
 * refused token's detail does not tell whether a consumer id exists.
 */

const LIMIT = 5;

describe.each(inject('dialects'))('%s', (dialect) => {
  let server: TestServer;
  let consumer: TestConsumer;
  beforeAll(async () => {
    // One address (127.0.0.1) per suite: each test uses its own server for a fresh budget.
    server = await startTestServer({
      dialect,
      env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN, AUTH_FAILURE_LIMIT: String(LIMIT) },
    });
    consumer = await server.addConsumer('limited');
  });
  afterAll(() => server?.close());

  it('an unknown consumer and a bad signature get the same detail', async () => {
    const fresh = await startTestServer({ dialect });
    try {
      const known = await fresh.addConsumer('known');
      const other = await fresh.addConsumer('other');
      const claims = (sub: string) => ({ sub, aud: 'https://syncapi.test', exp: nowS() + 300 });
      const unknown = await fresh.get(
        '/v1/auth-status',
        undefined,
        bearer(await signClaims(other.privateKey, 'ES256', claims('nobody'))),
      );
      const forged = await fresh.get(
        '/v1/auth-status',
        undefined,
        bearer(await signClaims(other.privateKey, 'ES256', claims(known.id))),
      );
      expectUnauthorized(unknown, /unknown consumer or bad signature/i);
      expectUnauthorized(forged, /unknown consumer or bad signature/i);
      expect(unknown.body.detail).toBe(forged.body.detail);
      expect(unknown.headers.get('www-authenticate')).toBe(forged.headers.get('www-authenticate'));
      expect(unknown.text).not.toContain('nobody');
    } finally {
      await fresh.close();
    }
  });

  it('past AUTH_FAILURE_LIMIT failed tokens a minute, the address gets 429 on /v1 — even with a valid token', async () => {
    for (let i = 0; i < LIMIT; i++) {
      expectUnauthorized(await server.get('/v1/auth-status', undefined, bearer(`not.a.token${i}`)), /./);
    }
    const limited = await server.get('/v1/auth-status', undefined, bearer('not.a.token'));
    expectProblem(limited, 429, 'rate-limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The admin token is refused too from that address: one budget for both.
    expectProblem(await server.get('/admin/api/consumers', undefined, bearer(TEST_ADMIN_TOKEN)), 429, 'rate-limited');
    expectProblem(await server.get('/v1/auth-status', consumer), 429, 'rate-limited');
  });

  it.each(['/admin/api/consumers', '/admin/api/contracts/awaiting', '/admin/api/deliveries'])(
    'wrong admin tokens on %s: 401 up to the limit, then 429 before the token is compared',
    async (path) => {
      const fresh = await startTestServer({
        dialect,
        env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN, AUTH_FAILURE_LIMIT: String(LIMIT) },
      });
      try {
        for (let i = 0; i < LIMIT; i++) {
          expectProblem(
            await fresh.get(path, undefined, bearer(`wrong-admin-token-${i}-xxxxxxxx`)),
            401,
            'unauthorized',
          );
        }
        expectProblem(await fresh.get(path, undefined, bearer(TEST_ADMIN_TOKEN)), 429, 'rate-limited');
      } finally {
        await fresh.close();
      }
    },
  );
});
