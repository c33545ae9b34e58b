import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, expectUnauthorized } from '../helpers/problem.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Issue 11, item 2: absurdly long tokens are refused before any work. (That the
 * verified-token cache is bounded in bytes is tested in packages/server/test/authenticator.test.ts.)
 */

describe.each(inject('dialects'))('%s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect });
  });
  afterAll(() => server?.close());

  it('a validly signed token of 10,000 characters is a 401 naming the limit', async () => {
    const consumer = await server.addConsumer('long-token');
    const token = await consumer.token({ payload: { pad: 'x'.repeat(10_000) } });
    expect(token.length).toBeGreaterThan(10_000);
    const res = await server.get('/v1/auth-status', undefined, bearer(token));
    expectUnauthorized(res, /longer than 8192 characters/);
  });
});
