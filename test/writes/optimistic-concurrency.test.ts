import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiCaller, consumerApi, expectProblem, seedBasics } from '../helpers/api.js';
import { refusedWithoutTrace } from '../helpers/db-dump.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** SPEC §7: a PATCH carrying `version` changes nothing when the record has moved on. */
describe.each(inject('dialects'))('optimistic concurrency (%s)', (dialect) => {
  let server: TestServer;
  let api: ApiCaller;
  let basics: { productId: string; clientId: string };

  beforeAll(async () => {
    server = await startTestServer({ dialect });
    const consumer = await server.addConsumer('acme');
    api = consumerApi(server, consumer);
    basics = await seedBasics(server, consumer);
  });
  afterAll(async () => {
    await server?.close();
  });

  const versionOf = async (type: 'client' | 'contract', id: string) =>
    (await api.get(`/v1/${type}-list?id-list=${id}`)).body[0].version as number;

  it.each([
    ['client', (i: number) => ({ city: `Graz ${i}` })],
    ['contract', (i: number) => ({ premium: `${10 + i}.00` })],
  ] as const)('lets exactly one of two concurrent %s PATCHes with the same version win', async (type, change) => {
    const created =
      type === 'client'
        ? await api.post('/v1/client', { type: 'person', lastName: 'Race' })
        : await api.post('/v1/contract', { holderId: basics.clientId, productId: basics.productId, status: 100 });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    for (let round = 0; round < 5; round++) {
      const version = await versionOf(type, id);
      const answers = await Promise.all(
        [0, 1].map((i) => api.patch(`/v1/${type}`, { id, version, ...change(round * 2 + i) })),
      );
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses, answers.map((a) => a.text).join('\n')).toEqual([200, 409]);
      const winner = answers.find((a) => a.status === 200)!;
      const loser = answers.find((a) => a.status === 409)!;
      expectProblem(loser, 409, 'version-conflict');
      expect(loser.body.currentVersion).toBe(version + 1);
      expect(winner.body.version).toBe(version + 1);
      const stored = (await api.get(`/v1/${type}-list?id-list=${id}`)).body[0];
      expect(stored).toEqual(winner.body);
    }
  });

  it('refuses a PATCH based on an older version and changes nothing', async () => {
    const created = await api.post('/v1/client', { type: 'person', lastName: 'Stale' });
    const moved = await api.patch('/v1/client', { id: created.body.id, version: 1, city: 'Linz' });
    expect(moved.body.version).toBe(2);
    const stale = await refusedWithoutTrace(server.db, () =>
      api.patch('/v1/client', { id: created.body.id, version: 1, city: 'Wels' }),
    );
    expectProblem(stale, 409, 'version-conflict');
    expect(stale.body.detail).toMatch(/version 2/);
    const current = await api.patch('/v1/client', { id: created.body.id, version: 2, city: 'Wels' });
    expect(current.status, current.text).toBe(200);
    expect(current.body).toMatchObject({ city: 'Wels', version: 3 });
  });
});
