import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { bearer, expectProblem } from '../helpers/problem.js';
import { fetchParsed, startTestServer, type TestConsumer, type TestServer } from '../helpers/server.js';

/**
 * Issue 10, "one edge": each surface is a Fastify plugin with its own hooks. The consumer
 * API's authentication, rate limit and failure counts run for /v1's operations only, the
 * back office's authentication for /admin/api's only: a request to one surface is never
 * seen by the other's hooks.
 */
const LIMIT = 3;

describe.each(inject('dialects'))('%s', (dialect) => {
  let server: TestServer;
  let consumer: TestConsumer;
  // A clock at the start of a minute: the sliding window counts this minute's requests only.
  const now = Math.floor(Date.now() / 60_000) * 60_000 + 1_000;
  beforeAll(async () => {
    server = await startTestServer({
      dialect,
      clock: () => now,
      env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN, RATE_LIMIT: String(LIMIT) },
    });
    consumer = await server.addConsumer('scoped');
  });
  afterAll(() => server?.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetchParsed(`${server.url}${path}`, { headers });
  const authFailures = async () => {
    const metrics = await get('/metrics');
    return /finum_auth_failures_total\{reason="missing-header"\} (\d+)/.exec(metrics.text)?.[1];
  };

  it("runs the back office's authentication, not the consumer's, for /admin/api", async () => {
    const token = await consumer.token();
    // A consumer's token at the back office: refused by the admin hook, never counted
    // against the consumer's budget (the consumer hook does not run there).
    for (let i = 0; i < LIMIT + 2; i++) {
      const refused = await get('/admin/api/consumers', bearer(token));
      expectProblem(refused, 401, 'unauthorized');
      expect(refused.body.detail).toBe('Consumer tokens are not accepted by the back office; use the ADMIN_TOKEN.');
    }
    // No credentials at all: the admin hook's answer, and no consumer auth failure counted.
    const anonymous = await get('/admin/api/deliveries');
    expectProblem(anonymous, 401, 'unauthorized');
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="finum-sync-admin"');
    expect(await authFailures()).toBeUndefined();

    // The consumer's whole budget is still there for /v1.
    for (let i = 0; i < LIMIT; i++) expect((await get('/v1/auth-status', bearer(token))).status).toBe(200);
    expectProblem(await get('/v1/auth-status', bearer(token)), 429, 'rate-limited');
  });

  it("runs the consumer's authentication, not the back office's, for /v1", async () => {
    const refused = await get('/v1/contract-list', bearer(TEST_ADMIN_TOKEN));
    expectProblem(refused, 401, 'unauthorized');
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer realm="finum-sync", error="invalid_token"/);
    const anonymous = await get('/v1/contract-list');
    expectProblem(anonymous, 401, 'unauthorized');
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="finum-sync"');
    expect(await authFailures()).toBe('1');
  });

  it('answers unknown paths of a surface with its not-found handler, without authentication', async () => {
    for (const path of ['/v1/no-such-thing', '/admin/api/no-such-thing', '/onboarding/api/no-such-thing']) {
      const res = await get(path);
      expectProblem(res, 404, 'not-found');
      expect(res.body.detail).toBe(`No endpoint GET ${path}. The API is described at /v1/docs/.`);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    // Outside the surfaces: the root's not-found handler, nothing of theirs.
    const outside = await get('/no-such-thing');
    expectProblem(outside, 404, 'not-found');
    expect(outside.headers.get('cache-control')).toBeNull();
    // The public endpoints outside /v1 need no token.
    expect((await get('/healthz')).status).toBe(200);
  });
});
