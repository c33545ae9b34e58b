import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { bearer } from '../helpers/problem.js';
import { fetchParsed, startTestServer, type TestConsumer, type TestServer } from '../helpers/server.js';

/**
 * Issue 11, item 12: paths the router normalizes (a leading `//`, repeated slashes) answer
 * with the same `Cache-Control: no-store` as their normal form — consumer data, the back
 * office, the status API that shows a private key.
 */

describe.each(inject('dialects'))('%s', (dialect) => {
  let server: TestServer;
  let consumer: TestConsumer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
    consumer = await server.addConsumer('paths');
  });
  afterAll(() => server?.close());

  // fetch keeps a path's repeated slashes as they are (WHATWG URL).
  const raw = (path: string, init: RequestInit = {}) => fetchParsed(`${server.url}${path}`, init);

  it.each(['//v1/auth-status', '//v1//auth-status', '/v1//auth-status'])('%s: 200 with no-store', async (path) => {
    const res = await raw(path, { headers: bearer(await consumer.token()) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it.each(['//admin/api/consumers', '/admin//api/consumers'])('%s: no-store', async (path) => {
    const res = await raw(path, { headers: bearer(TEST_ADMIN_TOKEN) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('//onboarding/api/application-status: no-store', async () => {
    const res = await raw('//onboarding/api/application-status', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'x' }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
