import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, consumerApi, expectProblem, fileForm, seedBasics, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { fetchParsed, startTestServer, type TestConsumer, type TestServer } from '../helpers/server.js';

/**
 * Issue 11, item 4 (SPEC §2): a NUL character in any string — record fields, the
 * `external-id` query, onboarding fields, back-office input — is a 400 naming where it is,
 * on PostgreSQL (whose text cannot hold it) and SQLite alike; nothing is stored.
 */

const NUL = '\u0000';

const FORM = {
  company: 'Nul Broker GmbH',
  contactName: 'Anna Huber',
  email: 'anna.huber@nul-broker.example',
  phone: '+43 1 234 5678',
  intendedUse: 'Our broker CRM syncs the contracts of about 2,000 clients every night.',
  keySource: 'provider',
};

describe.each(inject('dialects'))('%s', (dialect) => {
  let server: TestServer;
  let consumer: TestConsumer;
  let clientId: string;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
    consumer = await server.addConsumer('nul');
    ({ clientId } = await seedBasics(server, consumer));
  });
  afterAll(() => server?.close());

  it.each([
    ['a standard field', { type: 'person', lastName: `a${NUL}b` }, 'lastName'],
    ['externalId', { type: 'person', lastName: 'Ok', externalId: `x${NUL}` }, 'externalId'],
    ['an extension field', { type: 'person', lastName: 'Ok', _note: NUL }, '_note'],
    ['a nested extension value', { type: 'person', lastName: 'Ok', _deep: { list: ['ok', `no${NUL}`] } }, '_deep'],
  ])('POST /v1/client with a NUL in %s: 400 naming it', async (_name, body, field) => {
    const res = await consumerApi(server, consumer).post('/v1/client', body);
    expectProblem(res, 400, 'invalid-body', [field]);
    expect(res.body.detail).toMatch(/NUL/);
  });

  it('PATCH with a NUL: 400, the record unchanged', async () => {
    const api = consumerApi(server, consumer);
    expectProblem(await api.patch('/v1/client', { id: clientId, city: `Wien${NUL}` }), 400, 'invalid-body', ['city']);
    const stored = await api.get(`/v1/client-list?id-list=${clientId}`);
    expect(stored.body[0].version).toBe(1);
  });

  it('GET client-list?external-id=%00: 400 naming the parameter', async () => {
    const res = await consumerApi(server, consumer).get('/v1/client-list?external-id=a%00b');
    expectProblem(res, 400, 'invalid-parameter', ['external-id']);
  });

  it('a NUL in a field of a file upload: 400', async () => {
    const form = fileForm(
      { bytes: new TextEncoder().encode('hello'), type: 'text/plain', name: 'a.txt' },
      {
        clientId,
        category: `other${NUL}`,
      },
    );
    const res = await consumerApi(server, consumer).send('POST', '/v1/file', { body: form });
    expectProblem(res, 400, 'invalid-body', ['category']);
  });

  it.each(Object.keys(FORM).filter((f) => f !== 'keySource'))(
    'the public onboarding form with a NUL in %s: 400 naming it',
    async (field) => {
      const res = await fetchParsed(`${server.url}/onboarding/api/applications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...FORM, [field]: `${FORM[field as keyof typeof FORM]}${NUL}` }),
      });
      expectProblem(res, 400, 'invalid-body', [field]);
    },
  );

  it('the back office: a NUL in a status note, in an import line: 400, nothing applied', async () => {
    const admin = adminApi(server);
    const contract = await consumerApi(server, consumer).post('/v1/contract', {
      holderId: clientId,
      productId: (await seedBasics(server, consumer)).productId,
      status: 120,
    });
    expect(contract.status).toBe(201);
    const status = await admin.post(`/admin/api/contracts/${contract.body.id}/status`, {
      status: 110,
      statusNote: `missing${NUL}`,
    });
    expectProblem(status, 400, 'invalid-body', ['statusNote']);

    const line = { recordType: 'client', id: 'nul-import', consumerId: consumer.id, type: 'person', lastName: NUL };
    const imported = await admin.send('POST', '/admin/api/records', {
      body: JSON.stringify(line),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expectProblem(imported, 400, 'invalid-body', ['lastName']);
    expect(imported.body.errors[0].line).toBe(1);
    expect((await consumerApi(server, consumer).get('/v1/client-list?id-list=nul-import')).body).toEqual([]);
  });
});
