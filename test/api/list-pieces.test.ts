import { describe, expect, inject, it } from 'vitest';
import { testRecord } from '../helpers/server.js';
import { startServerBehindProxy } from '../helpers/server-behind-proxy.js';

/**
 * PostgreSQL sends a `T-list?id-list=` answer as its rows arrive (chunked): a failure before
 * the first row is an ordinary problem answer; one after it leaves the body unfinished, so
 * that a client sees a broken response, never a shorter list that looks whole.
 */
describe.each(inject('dialects').filter((d) => d === 'postgres'))('a list sent as its rows arrive (%s)', () => {
  it('is chunked and whole; a database lost before the first row is a 503, after it a broken body', async () => {
    const { server, proxy, close } = await startServerBehindProxy();
    try {
      const consumer = await server.addConsumer('pieces');
      const ids = Array.from({ length: 300 }, (_, i) => `piece-${String(i).padStart(3, '0')}`);
      const pad = 'p'.repeat(16 * 1024);
      await server.putRecords(ids.map((id, i) => testRecord('client', consumer.id, { n: i, _pad: pad }, { id })));
      // Asked in an order of their own, with an id twice and one that does not exist.
      const asked = [...ids].reverse();
      const path = `/v1/client-list?id-list=${[...asked, 'piece-007', 'no-such-id'].join(',')}`;

      const whole = await fetch(`${server.url}${path}`, { headers: await consumer.headers() });
      expect(whole.status).toBe(200);
      expect(whole.headers.get('transfer-encoding')).toBe('chunked');
      expect(whole.headers.get('content-length')).toBeNull();
      const records = (await whole.json()) as Array<{ id: string; n: number }>;
      expect(records.map((r) => r.id)).toEqual(asked);

      // The database out of reach before the first row: the usual 503 problem.
      await proxy.cut();
      const before = await server.get(path, consumer);
      expect(before.status).toBe(503);
      expect(before.headers.get('content-type')).toMatch(/problem\+json/);
      await proxy.start();
      await expect.poll(async () => (await server.get(path, consumer)).status, { timeout: 15_000 }).toBe(200);

      // Lost after the first rows were sent on: the body breaks off.
      const headers = await consumer.headers();
      proxy.limitFromServer(256 * 1024);
      const broken = await fetch(`${server.url}${path}`, { headers });
      expect(broken.status).toBe(200);
      const reader = broken.body!.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      await proxy.cut();
      const readAll = async () => {
        for (let read = await reader.read(); !read.done; read = await reader.read());
      };
      await expect(readAll()).rejects.toThrow();

      // And the server goes on once the database is back.
      await proxy.start();
      await expect.poll(async () => (await server.get(path, consumer)).status, { timeout: 15_000 }).toBe(200);
      expect((await server.get(path, consumer)).body).toHaveLength(300);
    } finally {
      await close();
    }
  });
});
