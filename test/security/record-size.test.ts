import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, consumerApi, expectProblem, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { startTestServer, type TestConsumer, type TestServer, testRecord } from '../helpers/server.js';

/**
 * Issue 11, item 3 (SPEC §7): a stored record, `_` fields included, is at most 64 KiB of
 * JSON (413 naming the limit, through the API and the back-office import); a list of 1,000
 * records of that size does not hold the event loop.
 */

const LIMIT = 64 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe.each(inject('dialects'))('%s', (dialect) => {
  let server: TestServer;
  let consumer: TestConsumer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN, RATE_LIMIT: '0' } });
    consumer = await server.addConsumer('big-records');
  });
  afterAll(() => server?.close());

  it('POST and PATCH that would make a record bigger than 64 KiB: 413 naming the limit, nothing stored', async () => {
    const api = consumerApi(server, consumer);
    const tooBig = await api.post('/v1/client', { type: 'person', lastName: 'Big', _notes: 'x'.repeat(LIMIT) });
    expectProblem(tooBig, 413, /65536 bytes \(64 KiB\)/);
    expect(tooBig.body.limit).toBe(LIMIT);

    const created = await api.post('/v1/client', { type: 'person', lastName: 'Small', _notes: 'x'.repeat(1000) });
    expect(created.status).toBe(201);
    const grown = await api.patch('/v1/client', { id: created.body.id, _more: 'é'.repeat(LIMIT / 2) });
    expectProblem(grown, 413, /64 KiB/);
    const stored = await api.get(`/v1/client-list?id-list=${created.body.id}`);
    expect(stored.body[0].version).toBe(1);
    expect(stored.body[0]._more).toBeUndefined();
  });

  it('the back-office import: 413 naming the line and the limit, nothing applied', async () => {
    const lines = [
      { recordType: 'client', id: 'imp-ok', consumerId: consumer.id, type: 'person', lastName: 'Fine' },
      {
        recordType: 'client',
        id: 'imp-big',
        consumerId: consumer.id,
        type: 'person',
        lastName: 'Big',
        _x: 'y'.repeat(LIMIT),
      },
    ];
    const res = await adminApi(server).send('POST', '/admin/api/records', {
      body: lines.map((l) => JSON.stringify(l)).join('\n'),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expectProblem(res, 413, /Line 2: .*65536 bytes/);
    const list = await consumerApi(server, consumer).get('/v1/client-list?id-list=imp-ok,imp-big');
    expect(list.body).toEqual([]);
  });

  it('a list of 1,000 records of almost 64 KiB does not hold the event loop', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `big-${i}`);
    const pad = 'z'.repeat(LIMIT - 1024);
    for (let i = 0; i < ids.length; i += 100) {
      await server.putRecords(
        ids.slice(i, i + 100).map((id) => testRecord('client', consumer.id, { _pad: pad }, { id })),
      );
    }
    const headers = await consumer.headers();
    /** The longest the event loop was held while the list was served and read (streamed, not parsed). */
    const longestStall = async () => {
      // The test's own garbage (the records it wrote) is collected before, not during, a run.
      gc();
      const histogram = monitorEventLoopDelay({ resolution: 5 });
      histogram.enable();
      const res = await fetch(`${server.url}/v1/client-list?id-list=${ids.join(',')}`, { headers });
      let bytes = 0;
      const reader = res.body!.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) bytes += read.value.length;
      histogram.disable();
      expect(res.status).toBe(200);
      // SQLite answers one body of known length; PostgreSQL sends the rows on as they arrive.
      if (dialect === 'sqlite') expect(bytes).toBe(Number(res.headers.get('content-length')));
      else expect(res.headers.get('transfer-encoding')).toBe('chunked');
      expect(bytes).toBeGreaterThan(1000 * (LIMIT - 1024));
      return histogram.max / 1e6;
    };
    // A stall of the server is in every run; a machine's own hiccup (another process on a
    // shared core, a collection of the test's garbage) is not: the smallest of five runs'
    // longest stalls is the server's.
    const stalls: number[] = [];
    for (let run = 0; run < 5; run++) stalls.push(await longestStall());
    // Reading the 64 MB list in one go held the loop for at least 1,000 ms (SQLite) and
    // 440 ms (PostgreSQL); in chunks, a 2-core machine at load 8 showed 30–110 ms. PostgreSQL
    // read it in one query and encoded it in turns of 2 MB: 220 ms when it was encoded in one
    // go, 44–63 ms in turns (2026-11-29, the same machine quiet); it now encodes and sends each
    // read of rows from the socket as it comes.
    expect(Math.min(...stalls), `longest stalls: ${stalls.map((s) => s.toFixed(0)).join(', ')} ms`).toBeLessThan(250);
  });

  it('a list of 1,000 ids keeps the order of the ids and answers each visible record once', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? `nope-${i}` : `big-${999 - i}`));
    const res = await consumerApi(server, consumer).get(`/v1/client-list?id-list=${ids.join(',')}`);
    expect(res.status).toBe(200);
    expect(res.body.map((r: { id: string }) => r.id)).toEqual(ids.filter((id) => id.startsWith('big-')));
  });
});
