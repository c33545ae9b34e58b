import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiCaller, consumerApi, expectProblem, seedBasics } from '../helpers/api.js';
import { refusedWithoutTrace } from '../helpers/db-dump.js';
import { createTestDatabase, startTestServer, type TestResponse, type TestServer } from '../helpers/server.js';

/** SPEC §7: `Idempotency-Key` on POSTs, scoped to the consumer, kept 24 h. */
describe.each(inject('dialects'))('idempotency keys (%s)', (dialect) => {
  let server: TestServer;
  let acme: ApiCaller;
  let other: ApiCaller;
  let basics: { productId: string; clientId: string };

  beforeAll(async () => {
    server = await startTestServer({ dialect });
    const consumer = await server.addConsumer('acme');
    acme = consumerApi(server, consumer);
    other = consumerApi(server, await server.addConsumer('other'));
    basics = await seedBasics(server, consumer);
  });
  afterAll(async () => {
    await server?.close();
  });

  const ids = async (api: ApiCaller, type: string) => (await api.get(`/v1/${type}-id-list-updated`)).body as string[];
  const key = (name: string) => ({ 'idempotency-key': `${name}-${Math.random().toString(36).slice(2)}` });

  it.each([
    ['client', () => ({ type: 'person', lastName: 'Parallel', externalId: 'CRM-20' })],
    ['contract', () => ({ holderId: basics.clientId, productId: basics.productId, premium: '20.00' })],
  ] as const)('20 parallel POSTs of a %s with one key create exactly one record', async (type, body) => {
    const before = await ids(acme, type);
    const headers = key('parallel');
    const answers = await Promise.all(Array.from({ length: 20 }, () => acme.post(`/v1/${type}`, body(), headers)));

    const created = answers.filter((a) => a.status === 201);
    const running = answers.filter((a) => a.status === 409);
    expect(created.length + running.length, answers.map((a) => `${a.status} ${a.text}`).join('\n')).toBe(20);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of running) {
      expectProblem(r, 409, 'idempotency-in-progress');
      expect(r.headers.get('retry-after')).toBe('1');
    }
    const createdIds = new Set(created.map((a) => a.body.id));
    expect([...createdIds]).toHaveLength(1);
    const [id] = createdIds;
    const originals = created.filter((a) => a.headers.get('idempotent-replayed') !== 'true');
    expect(originals).toHaveLength(1);
    for (const replay of created) expect(replay.body).toEqual(originals[0]!.body);

    const after = await ids(acme, type);
    expect(after.filter((x) => !before.includes(x))).toEqual([id]);

    const retry = await acme.post(`/v1/${type}`, body(), headers);
    expect(retry.status, retry.text).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(originals[0]!.body);
    expect(await ids(acme, type)).toEqual(after);
  });

  it('answers 422 to the same key with another body, changing nothing', async () => {
    const headers = key('reuse');
    const first = await acme.post('/v1/client', { type: 'person', lastName: 'First' }, headers);
    expect(first.status).toBe(201);
    const other = await refusedWithoutTrace(server.db, () =>
      acme.post('/v1/client', { type: 'person', lastName: 'Second' }, headers),
    );
    expectProblem(other, 422, 'idempotency-key-reused');
    // The same key on another endpoint is another request, too.
    const elsewhere = await refusedWithoutTrace(server.db, () =>
      acme.post('/v1/contract', { holderId: basics.clientId, productId: basics.productId }, headers),
    );
    expectProblem(elsewhere, 422, 'idempotency-key-reused');
  });

  it('scopes keys to the consumer', async () => {
    const headers = key('shared');
    const body = { type: 'person', lastName: 'Shared' };
    const mine = await acme.post('/v1/client', body, headers);
    const theirs = await other.post('/v1/client', body, headers);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(await ids(other, 'client')).toEqual([theirs.body.id]);
    expect((await acme.get(`/v1/client-list?id-list=${theirs.body.id}`)).body).toEqual([]);
  });

  it('does not burn the key of a refused request', async () => {
    const headers = key('refused');
    const refused = await acme.post('/v1/client', { type: 'person' }, headers);
    expectProblem(refused, 400, 'invalid-body', ['lastName']);
    const again = await acme.post('/v1/client', { type: 'person' }, headers);
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    const valid = await acme.post('/v1/client', { type: 'person', lastName: 'Valid' }, headers);
    expect(valid.status, valid.text).toBe(201);
    expect(valid.headers.get('idempotent-replayed')).toBeNull();
    const replay = await acme.post('/v1/client', { type: 'person', lastName: 'Valid' }, headers);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(valid.body.id);
  });

  it('refuses keys longer than 255 characters', async () => {
    const long = await refusedWithoutTrace(server.db, () =>
      acme.post('/v1/client', { type: 'person', lastName: 'Long' }, { 'idempotency-key': 'k'.repeat(256) }),
    );
    expectProblem(long, 400, 'invalid-parameter', ['Idempotency-Key']);
    const longest = await acme.post(
      '/v1/client',
      { type: 'person', lastName: 'Long' },
      { 'idempotency-key': 'k'.repeat(255) },
    );
    expect(longest.status, longest.text).toBe(201);
  });
});

describe.each(inject('dialects'))('idempotency keys across a restart (%s)', (dialect) => {
  it('replays a key given to the previous server instance', async () => {
    const db = await createTestDatabase(dialect);
    let server: TestServer | undefined;
    try {
      server = await startTestServer({ db });
      const consumer = await server.addConsumer('acme');
      const body = { type: 'person', lastName: 'Durable' };
      const headers = { 'idempotency-key': 'survives-restarts' };
      const first: TestResponse = await consumerApi(server, consumer).post('/v1/client', body, headers);
      expect(first.status, first.text).toBe(201);
      await server.close();

      server = await startTestServer({ db });
      const api = consumerApi(server, consumer);
      const replay = await api.post('/v1/client', body, headers);
      expect(replay.status, replay.text).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(first.body);
      expectProblem(
        await api.post('/v1/client', { ...body, lastName: 'Other' }, headers),
        422,
        'idempotency-key-reused',
      );
      expect((await api.get('/v1/client-id-list-updated')).body).toEqual([first.body.id]);
    } finally {
      await server?.close();
      await db.drop();
    }
  });
});
