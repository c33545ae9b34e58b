import { signToken } from '@finum-sync/client';
import { ConfigError, loadConfig, Maintenance } from '@finum-sync/server/internal';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fetchParsed, startTestServer, type TestConsumer, type TestServer, testRecord } from '../helpers/server.js';

describe('configuration', () => {
  it('names every wrong variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', PUBLIC_URL: 'ftp://x', MAX_FILE_SIZE: 'huge', DEMO: 'maybe', RATE_LIMIT: '-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'PUBLIC_URL', 'DEMO', 'MAX_FILE_SIZE', 'RATE_LIMIT']);
    expect((error as Error).message).toContain("PORT: an integer port 0–65535 (got 'eighty')");
  });

  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, publicUrl: 'http://localhost:8080', demo: true, rateLimit: 6000 });
    expect(config.maxFileSize).toBe(20 * 1024 * 1024);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x' }).demo).toBe(false);
  });
});

describe.each(inject('dialects'))('operating the server (%s)', (dialect) => {
  let server: TestServer;
  let consumer: TestConsumer;

  beforeAll(async () => {
    server = await startTestServer({
      dialect,
      env: { CORS_ORIGINS: 'https://app.broker.example', ADMIN_TOKEN: 'admin-token-0123456789' },
    });
    consumer = await server.addConsumer('ops');
  });
  afterAll(() => server?.close());

  it('exposes Prometheus metrics: requests by route and status, auth failures by rule, the callback queue', async () => {
    await server.get('/v1/auth-status', consumer);
    const expired = await signToken({
      payload: { sub: 'ops', aud: server.config.publicUrl },
      privateKey: consumer.privateKey,
      now: Date.now() - 7200_000,
    });
    expect((await server.get('/v1/auth-status', undefined, { authorization: `Bearer ${expired}` })).status).toBe(401);
    const metrics = await fetchParsed(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(
      /finum_http_requests_total\{method="GET",route="\/v1\/auth-status",status="200"\} [1-9]/,
    );
    expect(metrics.text).toMatch(/finum_auth_failures_total\{reason="expired"\} 1/);
    expect(metrics.text).toMatch(
      /finum_http_request_duration_seconds_bucket\{le="0.01",method="GET",route="\/v1\/auth-status"\}/,
    );
    expect(metrics.text).toMatch(/finum_callback_queue\{state="pending"\} 0/);
    expect(metrics.text).toMatch(/finum_process_resident_memory_bytes/);
  });

  it('keeps a sane request id from the proxy, makes one otherwise, and sets security headers', async () => {
    const kept = await server.get('/healthz', undefined, { 'x-request-id': 'lb-1234.abc' });
    expect(kept.headers.get('x-request-id')).toBe('lb-1234.abc');
    const made = await server.get('/healthz', undefined, { 'x-request-id': 'bad id <script>' });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const api = await server.get('/v1/auth-status', consumer);
    expect(api.headers.get('cache-control')).toBe('no-store');
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers CORS for the configured origins on /v1 only', async () => {
    const preflight = (origin: string, path = '/v1/contract-list') =>
      fetch(`${server.url}${path}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight('https://app.broker.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.broker.example');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/Authorization/i);
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    const list = await server.get('/v1/auth-status', consumer, { origin: 'https://app.broker.example' });
    expect(list.headers.get('access-control-expose-headers')).toMatch(/X-Sync-Until/);
    const admin = await fetch(`${server.url}/admin/api/deliveries`, {
      headers: { origin: 'https://app.broker.example' },
    });
    expect(admin.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('forgets idempotency keys after 24 h and finished deliveries after the retention, never records', async () => {
    const client = testRecord('client', 'ops');
    await server.putRecords([client]);
    const post = (key: string) =>
      consumer.headers().then((h) =>
        fetchParsed(`${server.url}/v1/client`, {
          method: 'POST',
          headers: { ...h, 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify({ type: 'company', companyName: 'Retention GmbH' }),
        }),
      );
    const first = await post('retention-key');
    expect(first.status).toBe(201);
    expect((await post('retention-key')).body.id).toBe(first.body.id);
    const later = new Maintenance(server.store, {
      deliveryRetentionDays: 30,
      log: server.app.log,
      clock: () => Date.now() + 25 * 3_600_000,
    });
    const removed = await later.run();
    expect(removed.idempotencyKeys).toBeGreaterThanOrEqual(1);
    const again = await post('retention-key');
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(first.body.id);
    expect((await server.get(`/v1/client-list?id-list=${client.id},${first.body.id}`, consumer)).body).toHaveLength(2);
  });
});
