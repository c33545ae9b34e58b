import { describe, expect, inject, it } from 'vitest';
import { startServerBehindProxy } from '../helpers/server-behind-proxy.js';

describe.each(inject('dialects').filter((d) => d === 'postgres'))('database outage (%s)', () => {
  it('readiness fails while PostgreSQL is unreachable; the server recovers when it is back', async () => {
    const { server, proxy, close } = await startServerBehindProxy();
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
      await close();
    }
  });
});
