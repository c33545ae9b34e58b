import {
  createClient,
  type FinumClient,
  FinumProblemError,
  FinumResponseError,
  FinumTimeoutError,
} from '@finum-sync/client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FaultProxy, type SeenRequest } from '../helpers/fault-proxy.js';
import { startTestServer, TEST_AUDIENCE, type TestConsumer, type TestServer, testRecord } from '../helpers/server.js';

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
  const clientVia = (options: Partial<Parameters<typeof createClient>[0]> = {}): FinumClient =>
    createClient({
      baseUrl: proxy.url,
      payload: payloadOf(consumer),
      privateKey: consumer.privateKey,
      retry: FAST,
      ...options,
    });

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
      type: 'person',
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
