import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type ApiCaller,
  adminApi,
  consumerApi,
  expectProblem,
  fileForm,
  seedBasics,
  TEST_ADMIN_TOKEN,
} from '../helpers/api.js';
import { refusedWithoutTrace } from '../helpers/db-dump.js';
import { DOCUMENTS, sha256, uniquePdf } from '../helpers/documents.js';
import { fetchParsed, startTestServer, type TestConsumer, type TestServer, testRecord } from '../helpers/server.js';

/** The provider's back office (`/admin/api`, bearer ADMIN_TOKEN): who may call it, and what it does. */
const ADMIN_CALLS: Array<[string, string]> = [
  ['GET', '/admin/api/deliveries'],
  ['GET', '/admin/api/contracts/awaiting'],
  ['POST', '/admin/api/records'],
  ['POST', '/admin/api/contracts/ct-1/status'],
  ['POST', '/admin/api/contracts/ct-1/files'],
];

describe.each(inject('dialects'))('back office (%s)', (dialect) => {
  let server: TestServer;
  let admin: ApiCaller;
  let consumer: TestConsumer;
  let api: ApiCaller;
  let basics: { productId: string; clientId: string };

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
    admin = adminApi(server);
    consumer = await server.addConsumer('acme');
    api = consumerApi(server, consumer);
    basics = await seedBasics(server, consumer);
  });
  afterAll(async () => {
    await server?.close();
  });

  it.each(ADMIN_CALLS)('refuses %s %s without the admin token (401)', async (method, path) => {
    const anonymous = await refusedWithoutTrace(server.db, () => fetchParsed(`${server.url}${path}`, { method }));
    expectProblem(anonymous, 401, 'unauthorized');
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const wrong = await refusedWithoutTrace(server.db, () =>
      adminApi(server, `${TEST_ADMIN_TOKEN}x`).send(method, path),
    );
    expectProblem(wrong, 401, 'unauthorized');

    const asConsumer = await refusedWithoutTrace(server.db, () => consumerApi(server, consumer).send(method, path));
    expectProblem(asConsumer, 401, 'unauthorized');
    expect(asConsumer.body.detail).toMatch(/Consumer tokens are not accepted/);
  });

  it('does not take the admin token as a consumer token', async () => {
    const response = await fetchParsed(`${server.url}/v1/auth-status`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expectProblem(response, 401, 'unauthorized');
  });

  it('lists the contracts waiting for the provider (120 and 230), oldest first', async () => {
    const other = await server.addConsumer('other');
    const otherBasics = await seedBasics(server, other);
    const at = (owner: string, holderId: string, status: number, minutesAgo: number) =>
      testRecord(
        'contract',
        owner,
        { holderId, productId: basics.productId, status },
        { id: `ct-wait-${owner}-${status}-${minutesAgo}`, updatedMs: Date.now() - minutesAgo * 60_000 },
      );
    await server.putRecords([
      at('acme', basics.clientId, 120, 30),
      at('acme', basics.clientId, 230, 40),
      at('acme', basics.clientId, 130, 50),
      at('acme', basics.clientId, 320, 60),
      at('other', otherBasics.clientId, 120, 45),
      at('other', otherBasics.clientId, 110, 55),
    ]);
    const all = await admin.get('/admin/api/contracts/awaiting');
    expect(all.status, all.text).toBe(200);
    const waiting = all.body.filter((c: { id: string }) => c.id.startsWith('ct-wait-'));
    expect(waiting.map((c: { id: string }) => c.id)).toEqual([
      'ct-wait-other-120-45',
      'ct-wait-acme-230-40',
      'ct-wait-acme-120-30',
    ]);
    const mine = await admin.get('/admin/api/contracts/awaiting?consumer-id=acme');
    expect(mine.body.every((c: { status: number }) => [120, 230].includes(c.status))).toBe(true);
    expect(mine.body.map((c: { id: string }) => c.id)).not.toContain('ct-wait-other-120-45');
    expectProblem(await admin.get('/admin/api/contracts/awaiting?consumer-id=a%20b'), 400, 'invalid-parameter');
  });

  it('attaches a proposal document (asProposal=true sets proposalFileId) and other documents', async () => {
    const created = await api.post('/v1/contract', { holderId: basics.clientId, productId: basics.productId });
    const id = created.body.id as string;
    const attach = (form: FormData) => admin.send('POST', `/admin/api/contracts/${id}/files`, { body: form });

    const proposal = await attach(
      fileForm(
        { bytes: DOCUMENTS.pdf, type: 'application/pdf', name: 'Angebot.pdf' },
        {
          category: 'proposal',
          asProposal: 'true',
        },
      ),
    );
    expect(proposal.status, proposal.text).toBe(201);
    const file = proposal.body.file;
    expect(file).toMatchObject({
      contractId: id,
      category: 'proposal',
      name: 'Angebot.pdf',
      sha256: sha256(DOCUMENTS.pdf),
    });
    expect(proposal.body.contract).toMatchObject({ proposalFileId: file.id, fileIdList: [file.id], version: 2 });

    const terms = await attach(
      fileForm({ bytes: DOCUMENTS.text, type: 'text/plain', name: 'AVB.txt' }, { category: 'terms' }),
    );
    expect(terms.status, terms.text).toBe(201);
    expect(terms.body.contract).toMatchObject({ proposalFileId: file.id, fileIdList: [file.id, terms.body.file.id] });

    // The consumer sees both, and the bytes.
    const seen = (await api.get(`/v1/contract-list?id-list=${id}`)).body[0];
    expect(seen).toEqual(terms.body.contract);
    const files = (await api.get(`/v1/file-list?id-list=${seen.fileIdList.join(',')}`)).body;
    expect(files.map((f: { category: string }) => f.category)).toEqual(['proposal', 'terms']);
    const bytes = await fetch(`${server.url}/v1/file-download?id=${file.id}`, { headers: await consumer.headers() });
    expect(sha256(new Uint8Array(await bytes.arrayBuffer()))).toBe(file.sha256);
  });

  it('refuses attachments to a nonexistent contract, with unknown fields or a wrong category, writing nothing', async () => {
    const cases: Array<[string, FormData, number, string]> = [
      [
        'ct-nobody',
        fileForm({ bytes: uniquePdf(), type: 'application/pdf' }, { category: 'policy' }),
        404,
        'not-found',
      ],
    ];
    const created = await api.post('/v1/contract', { holderId: basics.clientId, productId: basics.productId });
    const id = created.body.id as string;
    cases.push(
      [
        id,
        fileForm({ bytes: uniquePdf(), type: 'application/pdf' }, { category: 'policy', colour: 'red' }),
        400,
        'invalid-body',
      ],
      [id, fileForm({ bytes: uniquePdf(), type: 'application/pdf' }, { category: 'memes' }), 400, 'invalid-body'],
      [id, fileForm({ bytes: DOCUMENTS.png, type: 'application/pdf' }, { category: 'policy' }), 400, 'invalid-body'],
      [id, fileForm(undefined, { category: 'policy' }), 400, 'invalid-body'],
    );
    for (const [contractId, form, status, code] of cases) {
      const response = await refusedWithoutTrace(server.db, () =>
        admin.send('POST', `/admin/api/contracts/${contractId}/files`, { body: form }),
      );
      expectProblem(response, status, code as 'not-found');
    }
  });

  it('sets a contract status with its data, and refuses what is not a status change', async () => {
    const created = await api.post('/v1/contract', { holderId: basics.clientId, productId: basics.productId });
    const id = created.body.id as string;
    const set = await admin.post(`/admin/api/contracts/${id}/status`, {
      status: 110,
      statusNote: 'Missing for a proposal: birth date of the insured person.',
    });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({ status: 110, statusNote: expect.stringMatching(/birth date/), version: 2 });
    const active = await admin.post(`/admin/api/contracts/${id}/status`, { status: 320, contractNumber: 'POL-77' });
    expect(active.body).toMatchObject({ status: 320, contractNumber: 'POL-77', statusNote: null });

    const refusals: Array<[string, unknown, number, string]> = [
      [id, { status: 999 }, 400, 'invalid-body'],
      [id, { statusNote: 'no status' }, 400, 'invalid-body'],
      [id, { status: 330, premium: '1.00' }, 400, 'invalid-body'],
      ['ct-nobody', { status: 320 }, 404, 'not-found'],
    ];
    for (const [contractId, body, status, code] of refusals) {
      const response = await refusedWithoutTrace(server.db, () =>
        admin.post(`/admin/api/contracts/${contractId}/status`, body),
      );
      expectProblem(response, status, code as 'not-found');
    }
  });
});

describe.each(inject('dialects'))('back office without ADMIN_TOKEN (%s)', (dialect) => {
  it('is off: 403 for any token', async () => {
    const server = await startTestServer({ dialect });
    try {
      const response = await adminApi(server).get('/admin/api/deliveries');
      expectProblem(response, 403, 'forbidden');
      expect(response.body.detail).toMatch(/ADMIN_TOKEN/);
    } finally {
      await server.close();
    }
  });
});
