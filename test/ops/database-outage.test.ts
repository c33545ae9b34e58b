import { describe, expect, inject, it } from 'vitest';
import { TEST_PG_URL } from '../helpers/postgres.js';
import { createTestDatabase, startTestServer } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

describe.each(inject('dialects').filter((d) => d === 'postgres'))('database outage (%s)', (dialect) => {
  it('readiness fails while PostgreSQL is unreachable; the server recovers when it is back', async () => {
    const db = await createTestDatabase(dialect);
    const target = new URL(TEST_PG_URL);
    const proxy = await new TcpProxy(target.hostname, Number(target.port || 5432)).start();
    const viaProxy = new URL(db.databaseUrl!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const server = await startTestServer({ db: { ...db, env: { ...db.env, DATABASE_URL: viaProxy.toString() } } });
    try {
      const consumer = await server.addConsumer('outage');
      expect((await server.get('/readyz')).status).toBe(200);
      expect((await server.get('/v1/client-id-list-updated', consumer)).status).toBe(200);

      await proxy.cut();
      const unready = await server.get('/readyz');
      expect(unready.status).toBe(503);
      expect(unready.body).toMatchObject({ status: 503, type: expect.stringContaining('unavailable') });
      // The API answers 503 with Retry-After, not a hang, a crash or a 500.
      const during = await server.get('/v1/client-id-list-updated', consumer);
      expect(during.status).toBe(503);
      expect(during.headers.get('content-type')).toMatch(/problem\+json/);
      expect(during.headers.get('retry-after')).toBe('5');

      await proxy.start();
      await expect.poll(async () => (await server.get('/readyz')).status, { timeout: 15_000, interval: 200 }).toBe(200);
      expect((await server.get('/v1/client-id-list-updated', consumer)).status).toBe(200);
    } finally {
      await server.close();
      await proxy.cut();
      await db.drop();
    }
  });
});
