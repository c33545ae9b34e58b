import type { ProblemCode } from '@finum-sync/spec';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiCaller, consumerApi, expectProblem } from '../helpers/api.js';
import { refusedWithoutTrace } from '../helpers/db-dump.js';
import { startTestServer, type TestServer, testRecord } from '../helpers/server.js';

/**
 * SPEC §7: what a consumer may write. Every refused write is a problem+json naming the
 * fields, and leaves every table of the database exactly as it was.
 */

const TS = '2026-01-01T00:00:00.000Z';
const person = { type: 'person', lastName: 'Neumann' };
const contract = { holderId: 'cl-acme', productId: 'p-open' };

type Refusal = [
  label: string,
  method: 'POST' | 'PATCH',
  path: string,
  body: unknown,
  status: number,
  code: ProblemCode,
  fields: string[],
];

const refusals: Refusal[] = [
  // POST /v1/client
  [
    'unknown client fields',
    'POST',
    '/v1/client',
    { ...person, nickname: 'N', favouriteColour: 'red' },
    400,
    'invalid-body',
    ['nickname', 'favouriteColour'],
  ],
  [
    'meta fields in a client POST',
    'POST',
    '/v1/client',
    { ...person, id: 'mine', createdAt: TS, updatedAt: TS, version: 1, deleted: false },
    400,
    'invalid-body',
    ['id', 'createdAt', 'updatedAt', 'version', 'deleted'],
  ],
  [
    'a person without lastName',
    'POST',
    '/v1/client',
    { type: 'person', firstName: 'Nora' },
    400,
    'invalid-body',
    ['lastName'],
  ],
  [
    'a person with lastName null',
    'POST',
    '/v1/client',
    { type: 'person', lastName: null },
    400,
    'invalid-body',
    ['lastName'],
  ],
  [
    'a company without companyName',
    'POST',
    '/v1/client',
    { type: 'company', lastName: 'Nix' },
    400,
    'invalid-body',
    ['companyName'],
  ],
  ['a client without type', 'POST', '/v1/client', { lastName: 'Nix' }, 400, 'invalid-body', ['type']],
  ['an unknown client type', 'POST', '/v1/client', { type: 'robot', lastName: 'Nix' }, 400, 'invalid-body', ['type']],
  [
    'invalid client values',
    'POST',
    '/v1/client',
    { ...person, email: 'not-an-email', country: 'Germany', birthDate: '14.03.1988' },
    400,
    'invalid-body',
    ['email', 'country', 'birthDate'],
  ],
  [
    'malformed extension names',
    'POST',
    '/v1/client',
    { ...person, _: 1, '_bad-name': 2 },
    400,
    'invalid-body',
    ['_', '_bad-name'],
  ],
  [
    "another consumer's user on a client",
    'POST',
    '/v1/client',
    { ...person, userId: 'u-other' },
    400,
    'invalid-body',
    ['userId'],
  ],
  [
    'a nonexistent user on a client',
    'POST',
    '/v1/client',
    { ...person, userId: 'u-nobody' },
    400,
    'invalid-body',
    ['userId'],
  ],
  ['a JSON array instead of an object', 'POST', '/v1/client', [person], 400, 'invalid-body', []],
  // POST /v1/contract
  [
    'a contract without holderId and productId',
    'POST',
    '/v1/contract',
    { status: 120 },
    400,
    'invalid-body',
    ['holderId', 'productId'],
  ],
  [
    'provider fields in a contract POST',
    'POST',
    '/v1/contract',
    {
      ...contract,
      contractNumber: 'POL-1',
      statusNote: 'n',
      fileIdList: [],
      statusChangedAt: TS,
      proposalFileId: 'f-1',
      endReason: 'r',
    },
    400,
    'invalid-body',
    ['contractNumber', 'statusNote', 'fileIdList', 'statusChangedAt', 'proposalFileId', 'endReason'],
  ],
  [
    'version and deleted in a contract POST',
    'POST',
    '/v1/contract',
    { ...contract, version: 1, deleted: false },
    400,
    'invalid-body',
    ['version', 'deleted'],
  ],
  [
    'a provider-only status (320) in a POST',
    'POST',
    '/v1/contract',
    { ...contract, status: 320 },
    400,
    'invalid-body',
    ['status'],
  ],
  [
    'a provider-only status (130) in a POST',
    'POST',
    '/v1/contract',
    { ...contract, status: 130 },
    400,
    'invalid-body',
    ['status'],
  ],
  [
    'a consumer status a contract cannot start with (230)',
    'POST',
    '/v1/contract',
    { ...contract, status: 230 },
    400,
    'invalid-body',
    ['status'],
  ],
  [
    "another consumer's client as holder",
    'POST',
    '/v1/contract',
    { ...contract, holderId: 'cl-other' },
    400,
    'invalid-body',
    ['holderId'],
  ],
  [
    'a nonexistent holder',
    'POST',
    '/v1/contract',
    { ...contract, holderId: 'cl-nobody' },
    400,
    'invalid-body',
    ['holderId'],
  ],
  [
    'a nonexistent product',
    'POST',
    '/v1/contract',
    { ...contract, productId: 'p-nothing' },
    400,
    'invalid-body',
    ['productId'],
  ],
  [
    'a withdrawn product',
    'POST',
    '/v1/contract',
    { ...contract, productId: 'p-withdrawn' },
    400,
    'invalid-body',
    ['productId'],
  ],
  [
    'a deleted product',
    'POST',
    '/v1/contract',
    { ...contract, productId: 'p-deleted' },
    400,
    'invalid-body',
    ['productId'],
  ],
  [
    "another consumer's user on a contract",
    'POST',
    '/v1/contract',
    { ...contract, userId: 'u-other' },
    400,
    'invalid-body',
    ['userId'],
  ],
  ['unknown contract fields', 'POST', '/v1/contract', { ...contract, colour: 'blue' }, 400, 'invalid-body', ['colour']],
  [
    'invalid contract values',
    'POST',
    '/v1/contract',
    { ...contract, premium: 12.5, paymentFrequency: 'weekly', currency: 'euro' },
    400,
    'invalid-body',
    ['premium', 'paymentFrequency', 'currency'],
  ],
  // PATCH /v1/client
  [
    'changing a client’s type',
    'PATCH',
    '/v1/client',
    { id: 'cl-acme', type: 'company' },
    400,
    'invalid-body',
    ['type'],
  ],
  [
    'meta fields in a client PATCH',
    'PATCH',
    '/v1/client',
    { id: 'cl-acme', createdAt: TS, updatedAt: TS, deleted: true },
    400,
    'invalid-body',
    ['createdAt', 'updatedAt', 'deleted'],
  ],
  [
    'clearing a person’s lastName',
    'PATCH',
    '/v1/client',
    { id: 'cl-acme', lastName: null },
    400,
    'invalid-body',
    ['lastName'],
  ],
  [
    'clearing a company’s companyName',
    'PATCH',
    '/v1/client',
    { id: 'cl-acme-co', companyName: null },
    400,
    'invalid-body',
    ['companyName'],
  ],
  [
    'an unknown field in a client PATCH',
    'PATCH',
    '/v1/client',
    { id: 'cl-acme', nickname: 'A' },
    400,
    'invalid-body',
    ['nickname'],
  ],
  ['a client PATCH without id', 'PATCH', '/v1/client', { lastName: 'X' }, 400, 'invalid-body', ['id']],
  [
    "another consumer's user in a client PATCH",
    'PATCH',
    '/v1/client',
    { id: 'cl-acme', userId: 'u-other' },
    400,
    'invalid-body',
    ['userId'],
  ],
  [
    "a PATCH of another consumer's client",
    'PATCH',
    '/v1/client',
    { id: 'cl-other', lastName: 'X' },
    404,
    'not-found',
    [],
  ],
  ['a PATCH of a nonexistent client', 'PATCH', '/v1/client', { id: 'cl-nobody', lastName: 'X' }, 404, 'not-found', []],
  // PATCH /v1/contract
  [
    'changing holderId and productId',
    'PATCH',
    '/v1/contract',
    { id: 'ct-acme', holderId: 'cl-acme', productId: 'p-open' },
    400,
    'invalid-body',
    ['holderId', 'productId'],
  ],
  [
    'provider fields in a contract PATCH',
    'PATCH',
    '/v1/contract',
    {
      id: 'ct-acme',
      contractNumber: 'POL-1',
      statusNote: 'n',
      fileIdList: ['f-1'],
      proposalFileId: 'f-1',
      deleted: true,
    },
    400,
    'invalid-body',
    ['contractNumber', 'statusNote', 'fileIdList', 'proposalFileId', 'deleted'],
  ],
  [
    'a provider-only status (320) in a PATCH',
    'PATCH',
    '/v1/contract',
    { id: 'ct-acme', status: 320 },
    400,
    'invalid-body',
    ['status'],
  ],
  [
    "another consumer's user in a contract PATCH",
    'PATCH',
    '/v1/contract',
    { id: 'ct-acme', userId: 'u-other' },
    400,
    'invalid-body',
    ['userId'],
  ],
  [
    "a PATCH of another consumer's contract",
    'PATCH',
    '/v1/contract',
    { id: 'ct-other', premium: '1.00' },
    404,
    'not-found',
    [],
  ],
];

describe.each(inject('dialects'))('write validation (%s)', (dialect) => {
  let server: TestServer;
  let api: ApiCaller;

  beforeAll(async () => {
    server = await startTestServer({ dialect });
    api = consumerApi(server, await server.addConsumer('acme'));
    await server.addConsumer('other');
    await server.putRecords([
      testRecord('product', '', { requiredFields: [] }, { id: 'p-open' }),
      testRecord('product', '', { active: false }, { id: 'p-withdrawn' }),
      testRecord('product', '', {}, { id: 'p-deleted', deleted: true }),
      testRecord('user', 'acme', {}, { id: 'u-acme' }),
      testRecord('user', 'other', {}, { id: 'u-other' }),
      testRecord('client', 'acme', { type: 'person', firstName: 'Anna', lastName: 'Amsel' }, { id: 'cl-acme' }),
      testRecord('client', 'acme', { type: 'company', companyName: 'ACME AG', lastName: null }, { id: 'cl-acme-co' }),
      testRecord('client', 'other', {}, { id: 'cl-other' }),
      testRecord(
        'contract',
        'acme',
        { ...contract, status: 100, premium: '10.00', currency: 'EUR' },
        { id: 'ct-acme' },
      ),
      testRecord('contract', 'other', { holderId: 'cl-other', productId: 'p-open', status: 100 }, { id: 'ct-other' }),
    ]);
  });
  afterAll(async () => {
    await server?.close();
  });

  it.each(refusals)('refuses %s', async (_label, method, path, body, status, code, fields) => {
    const response = await refusedWithoutTrace(server.db, () => api.json(method, path, body));
    expectProblem(response, status, code, fields);
  });

  it('refuses malformed JSON, other content types and bodies over 1 MB, changing nothing', async () => {
    const cases: Array<[string, string, Record<string, string>, string, number, ProblemCode]> = [
      ['POST', '/v1/client', { 'content-type': 'application/json' }, '{"type":"person",', 400, 'malformed-json'],
      [
        'PATCH',
        '/v1/contract',
        { 'content-type': 'application/json' },
        '{"id":"ct-acme" "premium":"1.00"}',
        400,
        'malformed-json',
      ],
      ['POST', '/v1/contract', { 'content-type': 'application/json' }, '', 400, 'malformed-json'],
      ['POST', '/v1/client', { 'content-type': 'text/plain' }, JSON.stringify(person), 415, 'unsupported-media-type'],
      [
        'PATCH',
        '/v1/client',
        { 'content-type': 'application/x-www-form-urlencoded' },
        'id=cl-acme&lastName=X',
        415,
        'unsupported-media-type',
      ],
      [
        'POST',
        '/v1/client',
        { 'content-type': 'application/json' },
        JSON.stringify({ ...person, _note: 'x'.repeat(1024 * 1024) }),
        413,
        'payload-too-large',
      ],
    ];
    for (const [method, path, headers, body, status, code] of cases) {
      const response = await refusedWithoutTrace(server.db, () => api.send(method, path, { headers, body }));
      expectProblem(response, status, code);
      expect(response.text).not.toMatch(/<html|\bat .+\.js:\d+/i);
    }
  });

  it('accepts `_` extension fields and returns them', async () => {
    const created = await api.post('/v1/client', { ...person, _crmScore: 7, _vip: true, _segment: 'gold' });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ _crmScore: 7, _vip: true, _segment: 'gold' });
    const patched = await api.patch('/v1/client', { id: created.body.id, _crmScore: 8 });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ _crmScore: 8, _vip: true, version: 2 });
    const listed = await api.get(`/v1/client-list?id-list=${created.body.id}`);
    expect(listed.body[0]).toMatchObject({ _crmScore: 8, _vip: true, _segment: 'gold' });

    const deal = await api.post('/v1/contract', { ...contract, _dealSource: 'web' });
    expect(deal.status, deal.text).toBe(201);
    expect(deal.body).toMatchObject({ _dealSource: 'web', status: 120 });
  });

  it('creates companies with companyName and persons with lastName', async () => {
    const company = await api.post('/v1/client', { type: 'company', companyName: 'Beta GmbH' });
    expect(company.status, company.text).toBe(201);
    expect(company.body).toMatchObject({ type: 'company', companyName: 'Beta GmbH', lastName: null, version: 1 });
  });

  it('clears an optional field with null in a PATCH', async () => {
    const before = (await api.get('/v1/client-list?id-list=cl-acme')).body[0];
    expect(before.firstName).toBe('Anna');
    const client = await api.patch('/v1/client', { id: 'cl-acme', firstName: null });
    expect(client.status, client.text).toBe(200);
    expect(client.body).toMatchObject({ firstName: null, lastName: 'Amsel', version: before.version + 1 });
    expect((await api.get('/v1/client-list?id-list=cl-acme')).body[0].firstName).toBeNull();

    const deal = await api.patch('/v1/contract', { id: 'ct-acme', premium: null });
    expect(deal.status, deal.text).toBe(200);
    expect(deal.body).toMatchObject({ premium: null, currency: 'EUR', version: 2 });
  });
});
