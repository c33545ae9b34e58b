import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  type ClientOptions,
  createClient,
  type FinumClient,
  FinumNetworkError,
  FinumProblemError,
  FinumResponseError,
  FinumTimeoutError,
  signToken,
} from '@finum-sync/client';
import { proxyFetchFromEnv } from '@finum-sync/client/node';
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { consumerSdk } from '../helpers/api.js';
import { hasChromium, launchBrowser, withPage } from '../helpers/browser.js';
import { sha256, uniquePdf } from '../helpers/documents.js';
import { FaultProxy, type SeenRequest } from '../helpers/fault-proxy.js';
import { closeNow } from '../helpers/http-server.js';
import {
  fetchParsed,
  startTestServer,
  TEST_AUDIENCE,
  type TestConsumer,
  type TestServer,
  testRecord,
} from '../helpers/server.js';

/**
 * The SDK against the real server over real sockets, with a fault-injecting HTTP proxy of
 * our own in front (test/helpers/fault-proxy.ts). Nothing of the client is mocked: the
 * proxy's own records (timestamps, headers, body bytes) are what the assertions read.
 */

/** A deterministic "random" in [0, 1) from an integer (so a failing run can be replayed). */
const unitHash = (n: number) => {
  let x = (n + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return ((x ^ (x >>> 16)) >>> 0) / 2 ** 32;
};

const payloadOf = (consumer: TestConsumer) => ({ sub: consumer.id, aud: TEST_AUDIENCE });

/** Retries fast enough for a test; the backoff shape is what production uses. */
const FAST = { baseDelayMs: 5, maxDelayMs: 50 };

describe.each(inject('dialects'))('the SDK against the server through a faulty proxy (%s)', (dialect) => {
  let server: TestServer;
  let consumer: TestConsumer;
  let proxy: FaultProxy;
  const clientVia = (options: Partial<ClientOptions> = {}): FinumClient =>
    consumerSdk({ url: proxy.url }, consumer, { retry: FAST, ...options });

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { RATE_LIMIT: '0' } });
    consumer = await server.addConsumer('broker');
    proxy = await new FaultProxy(server.url).start();
  });
  afterAll(async () => {
    await proxy?.stop();
    await server?.close();
  });

  it('creates exactly 1,000 clients while 20 % of the connections drop after the server committed', async () => {
    const start = proxy.requests.length;
    proxy.decide = (r) =>
      r.method === 'POST' && unitHash(r.index) < 0.2 ? { kind: 'drop-after-commit' } : { kind: 'pass' };
    const client = clientVia({ maxRetries: 12 });
    const inputs = Array.from({ length: 1000 }, (_, i) => ({
      type: 'person' as const,
      lastName: `Bulk ${i}`,
      externalId: `BULK-${i}`,
    }));
    const created: string[] = [];
    for (let i = 0; i < inputs.length; i += 25) {
      const batch = await Promise.all(inputs.slice(i, i + 25).map((input) => client.clients.create(input)));
      created.push(...batch.map((c) => c.id));
    }
    proxy.decide = () => ({ kind: 'pass' });

    const posts = proxy.requests.slice(start).filter((r) => r.method === 'POST');
    const dropped = posts.filter((r) => r.fault === 'drop-after-commit');
    expect(dropped.length).toBeGreaterThan(120); // the faults did happen (about 20 % of ~1,250)
    // Every retry of a request carries the same key and the same body bytes.
    const byKey = new Map<string, SeenRequest[]>();
    for (const r of posts) {
      const key = r.headers['idempotency-key'] as string;
      expect(key).toMatch(/^[0-9a-f-]{36}$/);
      byKey.set(key, [...(byKey.get(key) ?? []), r]);
    }
    expect(byKey.size).toBe(1000);
    const retried = [...byKey.values()].filter((group) => group.length > 1);
    expect(retried.length).toBeGreaterThan(100);
    for (const group of retried) {
      for (const r of group) expect(r.body.equals(group[0]!.body)).toBe(true);
    }
    // Exactly 1,000 records, each once: the replays returned the first response's id.
    expect(new Set(created).size).toBe(1000);
    const { ids } = await client.clients.changedIds();
    expect(ids.length).toBe(1000);
    expect(new Set(ids)).toEqual(new Set(created));
    // Streamed: the same ids in the same order, in pages, and the same kind of watermark.
    const streamed = await client.clients.changedIdPages({ pageSize: 300 });
    const pages: string[][] = [];
    for await (const page of streamed.pages) pages.push(page);
    expect(pages.map((p) => p.length)).toEqual([300, 300, 300, 100]);
    expect(pages.flat()).toEqual(ids);
    expect(streamed.syncUntil).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('waits at least as long as Retry-After asks (429 and 503), and never retries other 4xx', async () => {
    const client = clientVia();
    let calls = 0;
    proxy.decide = (r) => {
      if (!r.url.startsWith('/v1/auth-status')) return { kind: 'pass' };
      calls++;
      if (calls === 1) return { kind: 'status', status: 429, headers: { 'retry-after': '1' } };
      if (calls === 2) return { kind: 'status', status: 503, headers: { 'retry-after': '1' } };
      return { kind: 'pass' };
    };
    const start = proxy.requests.length;
    await expect(client.authStatus()).resolves.toMatchObject({ authenticated: true, consumerId: 'broker' });
    const attempts = proxy.requests.slice(start).filter((r) => r.url.startsWith('/v1/auth-status'));
    expect(attempts.map((r) => r.fault)).toEqual(['status', 'status', 'pass']);
    for (let i = 1; i < attempts.length; i++) {
      // The proxy's own clock: the next attempt arrived ≥ 1 s after the previous answer left.
      expect(attempts[i]!.receivedAt - attempts[i - 1]!.answeredAt!).toBeGreaterThanOrEqual(1000);
    }
    expect(new Set(attempts.map((r) => r.headers['x-request-id'])).size).toBe(1);

    // A 400 is final: one request, a typed problem.
    proxy.decide = () => ({ kind: 'pass' });
    const before = proxy.requests.length;
    const error = await client.contracts.list({ ids: ['not valid!'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FinumProblemError);
    expect(error).toMatchObject({ status: 400, type: expect.stringContaining('invalid-parameter') });
    expect((error as FinumProblemError).requestId).toEqual(expect.any(String));
    expect(proxy.requests.length - before).toBe(1);
  });

  it('aborts each attempt of a hung server at the timeout, then reports a timeout with the request id', async () => {
    proxy.decide = (r) => (r.url.startsWith('/v1/auth-status') ? { kind: 'hang' } : { kind: 'pass' });
    const client = clientVia({ timeout: 300, maxRetries: 2 });
    const start = proxy.requests.length;
    const error = await client.authStatus().catch((e: unknown) => e);
    proxy.decide = () => ({ kind: 'pass' });
    expect(error).toBeInstanceOf(FinumTimeoutError);
    expect((error as FinumTimeoutError).requestId).toEqual(expect.any(String));
    const attempts = proxy.requests.slice(start);
    expect(attempts).toHaveLength(3);
    for (const attempt of attempts) {
      await expect.poll(() => attempt.closedAt).toBeDefined();
      // Given up by the client at its timeout (the proxy never answers).
      expect(attempt.answeredAt).toBeUndefined();
      expect(attempt.closedAt! - attempt.receivedAt).toBeGreaterThanOrEqual(290);
    }
  });

  it('reports what went wrong: a gateway page, a refused token (signed anew once), no server at all', async () => {
    const client = clientVia({ maxRetries: 2 });
    proxy.decide = () => ({ kind: 'status', status: 502 });
    let start = proxy.requests.length;
    const gateway = await client.authStatus().catch((e: unknown) => e);
    expect(gateway).toBeInstanceOf(FinumProblemError);
    expect(gateway).toMatchObject({ status: 502, type: 'about:blank', operation: 'GET /v1/auth-status' });
    expect(proxy.requests.length - start).toBe(3);

    // A clock two hours ahead: the provider refuses the token (iat in the future); one fresh token, then the 401.
    proxy.decide = () => ({ kind: 'pass' });
    const ahead = clientVia({ now: () => Date.now() + 2 * 3600_000 });
    start = proxy.requests.length;
    const refused = await ahead.authStatus().catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 401, detail: expect.any(String) });
    expect(proxy.requests.length - start).toBe(2);
    expect(ahead.tokens.signed).toBe(2);

    const closed = await new FaultProxy(server.url).start();
    const nowhere = closed.url;
    await closed.stop();
    const unreachable = consumerSdk({ url: nowhere }, consumer, { retry: FAST, maxRetries: 1 });
    const network = await unreachable.authStatus().catch((e: unknown) => e);
    expect(network).toBeInstanceOf(FinumNetworkError);
    expect((network as FinumNetworkError).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives the caller’s AbortSignal the last word', async () => {
    proxy.decide = () => ({ kind: 'delay', ms: 5000 });
    const client = clientVia();
    const controller = new AbortController();
    const pending = client.authStatus({ signal: controller.signal });
    await expect.poll(() => proxy.requests.at(-1)?.url).toBe('/v1/auth-status');
    controller.abort(new Error('user navigated away'));
    await expect(pending).rejects.toThrow('user navigated away');
    proxy.decide = () => ({ kind: 'pass' });
  });

  it('splits id lists by count and URL bytes, merges in request order and reports the ids not returned', async () => {
    const records = Array.from({ length: 2500 }, (_, i) =>
      testRecord('contract', consumer.id, {}, { id: `contract-with-a-long-id-${String(i).padStart(6, '0')}` }),
    );
    await server.putRecords(records);
    const client = clientVia({ maxUrlBytes: 4096, concurrency: 3 });
    const asked = [...records.map((r) => r.id).reverse(), 'unknown-1', 'unknown-2'];
    const start = proxy.requests.length;
    const { records: found, missing } = await client.contracts.list({ ids: asked });
    expect(found.map((r) => r.id)).toEqual(asked.slice(0, 2500));
    expect(missing).toEqual(['unknown-1', 'unknown-2']);
    const lists = proxy.requests.slice(start);
    expect(lists.length).toBeGreaterThan(2500 / 1000);
    for (const r of lists) expect(Buffer.byteLength(`${proxy.url}${r.url}`)).toBeLessThanOrEqual(4096);
  });

  it('refuses an answer that departs from the schema, and lets unknown _ fields pass', async () => {
    const [withExtension] = [testRecord('contract', consumer.id, { _riskClass: 'B' }, { id: 'c-with-extension' })];
    await server.putRecords([withExtension!]);
    const client = clientVia();
    const { records } = await client.contracts.list({ ids: ['c-with-extension'] });
    expect(records[0]).toMatchObject({ id: 'c-with-extension', _riskClass: 'B' });

    // An answer the proxy rewrites: a status that is not a FiNUM status code.
    proxy.decide = () => ({ kind: 'pass' });
    const broken = createClient({
      baseUrl: proxy.url,
      payload: payloadOf(consumer),
      privateKey: consumer.privateKey,
      fetch: async (url, init) => {
        const real = await fetch(url, init);
        const text = (await real.text()).replace('"status":320', '"status":999');
        return new Response(text, { status: real.status, headers: real.headers });
      },
    });
    const error = await broken.contracts.list({ ids: ['c-with-extension'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FinumResponseError);
    expect((error as FinumResponseError).violations).toContainEqual({
      path: '[0].status',
      message: expect.any(String),
    });
  });

  it('offers every operation of SPEC §6–7, typed and checked', async () => {
    proxy.decide = () => ({ kind: 'pass' });
    const client = clientVia();
    const productId = 'p-sdk-ops';
    await server.putRecords([testRecord('product', '', { requiredFields: [] }, { id: productId })]);
    expect((await client.products.list({ ids: [productId] })).records[0]).toMatchObject({
      id: productId,
      active: true,
    });

    const holder = await client.clients.create({ type: 'person', lastName: 'Ops', externalId: 'OPS-1' });
    expect((await client.clients.list({ externalId: 'OPS-1' })).records.map((c) => c.id)).toEqual([holder.id]);
    const changed = await client.clients.update({ id: holder.id, version: 1, phone: '+43 1 234' });
    expect(changed).toMatchObject({ id: holder.id, version: 2, phone: '+43 1 234' });
    const conflict = await client.clients.update({ id: holder.id, version: 1, phone: null }).catch((e: unknown) => e);
    expect(conflict).toMatchObject({ status: 409, type: expect.stringContaining('version-conflict') });

    const contract = await client.contracts.create({ holderId: holder.id, productId, status: 100 });
    // The spec's types reach the caller: a status a consumer may not create with does not compile.
    // @ts-expect-error: 230 is not a create status of ContractCreate (never called: a compile-time check)
    const wrongStatus = () => client.contracts.create({ holderId: holder.id, productId, status: 230 });
    expect(wrongStatus).toBeTypeOf('function');
    expect((await client.contracts.list({ holderId: holder.id })).records.map((c) => c.id)).toEqual([contract.id]);
    expect(await client.contracts.update({ id: contract.id, status: 190 })).toMatchObject({ status: 190 });

    const pdf = uniquePdf();
    const file = await client.files.upload({
      file: new Blob([pdf], { type: 'application/pdf' }),
      name: 'offer.pdf',
      clientId: holder.id,
      category: 'correspondence',
    });
    expect(file).toMatchObject({ clientId: holder.id, size: pdf.length, sha256: sha256(pdf), name: 'offer.pdf' });
    const download = await client.files.download(file.id);
    expect(download).toMatchObject({ mimeType: 'application/pdf', size: pdf.length, sha256: sha256(pdf) });
    expect(Buffer.from(await download.bytes()).equals(Buffer.from(pdf))).toBe(true);
    // Bytes that do not match the sha256 fail at the end of the stream.
    const wrong = await client.files.download(file.id, { sha256: 'f'.repeat(64) });
    await expect(wrong.bytes()).rejects.toBeInstanceOf(FinumResponseError);

    expect(await client.authStatus()).toMatchObject({ authenticated: true, consumerId: 'broker' });
    expect((await client.users.changedIds()).ids).toEqual([]);
  });

  it('iterates the changes of a type in batches, tombstones included, ending with the watermark', async () => {
    proxy.decide = () => ({ kind: 'pass' });
    const client = clientVia();
    const since = (await client.users.changedIds()).syncUntil;
    const users = Array.from({ length: 5 }, (_, i) => testRecord('user', consumer.id, {}, { id: `u-sync-${i}` }));
    const tombstone = testRecord('user', consumer.id, {}, { id: 'u-sync-gone', deleted: true });
    await server.putRecords([...users, tombstone]);

    const batches = [];
    for await (const batch of client.changes('user', { since, batchSize: 2 })) batches.push(batch);
    expect(batches.map((b) => b.records.length)).toEqual([2, 2, 2, 0]);
    expect(batches.slice(0, -1).every((b) => b.watermark === undefined)).toBe(true);
    const records = batches.flatMap((b) => b.records);
    expect(new Set(records.map((r) => r.id))).toEqual(new Set([...users.map((u) => u.id), 'u-sync-gone']));
    expect(records.find((r) => r.id === 'u-sync-gone')).toMatchObject({ deleted: true });
    const watermark = batches.at(-1)!.watermark!;
    expect(watermark).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    // The next run from the stored watermark sees only what changed since.
    await server.putRecords([testRecord('user', consumer.id, {}, { id: 'u-sync-later' })]);
    const next = [];
    for await (const batch of client.changes('user', { since: watermark }))
      next.push(...batch.records.map((r) => r.id));
    expect(next).toContain('u-sync-later');
    expect(next).not.toContain('u-sync-0');
  });

  it('signs one token per lifetime and renews it before expiry in a 3-hour run on a fake clock', async () => {
    let fakeNow = Date.now();
    const clock = () => fakeNow;
    const timed = await startTestServer({ dialect, clock, env: { RATE_LIMIT: '0' } });
    try {
      const broker = await timed.addConsumer('timed');
      const seen = await new FaultProxy(timed.url).start();
      const client = createClient({
        baseUrl: seen.url,
        payload: payloadOf(broker),
        privateKey: broker.privateKey,
        now: clock,
        tokenTtlSeconds: 900,
      });
      const end = fakeNow + 3 * 3600_000;
      const nowAt: number[] = [];
      for (; fakeNow < end; fakeNow += 30_000) {
        nowAt.push(fakeNow);
        await expect(client.authStatus()).resolves.toMatchObject({ authenticated: true });
      }
      await seen.stop();
      // 360 requests, every one accepted, with a token that had ≥ 60 s left at that moment.
      expect(seen.requests).toHaveLength(360);
      seen.requests.forEach((r, i) => {
        const { exp } = decodeJwt((r.headers.authorization as string).slice('Bearer '.length));
        expect(exp! * 1000 - nowAt[i]!).toBeGreaterThanOrEqual(60_000);
      });
      const distinct = new Set(seen.requests.map((r) => r.headers.authorization)).size;
      expect(client.tokens.signed).toBe(distinct);
      // 3 h at one token per (900 − 120) s: 14 tokens, not 360.
      expect(distinct).toBe(Math.ceil((3 * 3600) / 780));
    } finally {
      await timed.close();
    }
  });
});

describe('the SDK’s Node helpers', () => {
  it('sends requests through the proxy HTTP(S)_PROXY names, except for NO_PROXY hosts', async () => {
    const server = await startTestServer();
    // A forward proxy: tunnels CONNECT, forwards absolute-form requests; counts what it carried.
    const carried: string[] = [];
    const tunnels = new Set<Socket>();
    const forward = createServer((req, res) => {
      carried.push(`${req.method} ${req.url}`);
      const upstream = request(req.url!, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    forward.on('connect', (req, socket: Socket, head) => {
      carried.push(`CONNECT ${req.url}`);
      tunnels.add(socket);
      const [host, port] = req.url!.split(':');
      const upstream = connect(Number(port), host!, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket).pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => forward.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(forward.address() as AddressInfo).port}`;
    try {
      const consumer = await server.addConsumer('proxied');
      const viaProxy = consumerSdk(server, consumer, { fetch: proxyFetchFromEnv({ httpProxy: proxyUrl }) });
      await expect(viaProxy.authStatus()).resolves.toMatchObject({ consumerId: 'proxied' });
      expect(carried.length).toBeGreaterThan(0);
      expect(carried.join(' ')).toContain(new URL(server.url).port);

      carried.length = 0;
      const direct = consumerSdk(server, consumer, {
        fetch: proxyFetchFromEnv({ httpProxy: proxyUrl, noProxy: '127.0.0.1' }),
      });
      await expect(direct.authStatus()).resolves.toMatchObject({ consumerId: 'proxied' });
      expect(carried).toEqual([]);
    } finally {
      // Tunnels are no longer the HTTP server's connections: cut them, or close() waits for them.
      for (const socket of tunnels) socket.destroy();
      await closeNow(forward);
      await server.close();
    }
  });
});

describe.skipIf(!hasChromium)('the SDK’s browser bundle in Chromium', () => {
  let server: TestServer;
  let pages: Server;
  let browser: Browser;
  const bundleFile = fileURLToPath(new URL('../../packages/client/dist/browser/finum-sync-client.js', import.meta.url));

  beforeAll(async () => {
    // The page comes from an origin of its own, as a broker's web app would: the API answers it by CORS.
    pages = createServer((req, res) => {
      if (req.url === '/finum-sync-client.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(bundleFile));
      } else {
        res.writeHead(200, { 'content-type': 'text/html' }).end(DEMO_PAGE);
      }
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    server = await startTestServer({ demo: true, env: { CORS_ORIGINS: origin, DEMO_DELAY_MS: '60000' } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await closeNow(pages);
    await server?.close();
  });

  it('imports the built bundle (no node: anywhere) and runs the demo: auth-status, a sync, a list, a create', async () => {
    expect(readFileSync(bundleFile, 'utf8')).not.toMatch(/["']node:/);
    const credentials = (await fetchParsed(`${server.url}/demo/credentials`)).body;
    const origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    await withPage(browser, origin, async (_session, page) => {
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => 'demo' in window);
      const result = await page.evaluate(
        ([baseUrl, creds]) =>
          (window as unknown as { demo: (b: string, c: unknown) => Promise<unknown> }).demo(baseUrl!, creds),
        [server.url, credentials] as const,
      );
      const { body: ids } = await fetchParsed(`${server.url}/v1/contract-id-list-updated`, {
        headers: {
          authorization: `Bearer ${await signToken({ payload: credentials.payload, privateKey: credentials.privateKey })}`,
        },
      });
      expect(result).toMatchObject({
        consumerId: 'demo',
        changed: ids.length,
        watermark: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        listed: ids.slice(0, 3),
        created: { type: 'person', lastName: 'Browser', externalId: 'FROM-CHROMIUM', version: 1 },
      });
      expect(ids.length).toBeGreaterThan(0);
    });
  });
});

/** The page a broker's web app would be: imports the bundle and calls the demo provider. */
const DEMO_PAGE = `<!doctype html>
<meta charset="utf-8"><title>finum-sync client in a browser</title>
<script type="module">
import { createClient } from './finum-sync-client.js';
window.demo = async (baseUrl, credentials) => {
  const finum = createClient({ baseUrl, payload: credentials.payload, privateKey: credentials.privateKey });
  const status = await finum.authStatus();
  const batches = [];
  for await (const batch of finum.changes('contract')) batches.push(batch);
  const changed = batches.flatMap((b) => b.records.map((r) => r.id));
  const { records } = await finum.contracts.list({ ids: changed.slice(0, 3) });
  const created = await finum.clients.create({ type: 'person', lastName: 'Browser', externalId: 'FROM-CHROMIUM' });
  return { consumerId: status.consumerId, changed: changed.length, watermark: batches.at(-1).watermark, listed: records.map((r) => r.id), created };
};
</script>`;
