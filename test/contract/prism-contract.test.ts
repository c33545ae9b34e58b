import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadDocument } from '../fuzz/openapi-model.js';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { API_DOCUMENTS, CONSUMER_DOCUMENT } from '../helpers/openapi-documents.js';
import { PRISM_UNCHECKABLE, type PrismProxy, startPrismProxy } from '../helpers/prism.js';
import { proposalRequest } from '../helpers/records.js';
import {
  fetchParsed,
  startTestServer,
  type TestConsumer,
  type TestResponse,
  type TestServer,
} from '../helpers/server.js';

/**
 * The documents checked by an independent tool: the main flows — every read endpoint of
 * `openapi.json` with valid and invalid input, the create-contract flow with writes,
 * uploads and downloads, the back office of `admin-openapi.json` — go through Stoplight
 * Prism's validation proxy (test/helpers/prism.ts), which must report no violation.
 */
const ADMIN_TOKEN = `contract-admin-${'y'.repeat(32)}`;
const consumerDoc = loadDocument('consumer', CONSUMER_DOCUMENT);

describe.each(inject('dialects'))('the documents, checked by Prism (%s)', (dialect) => {
  let server: TestServer;
  let proxy: PrismProxy;
  let receiver: CallbackReceiver;
  let demo: TestConsumer;
  let other: TestConsumer;

  beforeAll(async () => {
    server = await startTestServer({ dialect, demo: true, env: { ADMIN_TOKEN, DEMO_DELAY_MS: '100' } });
    proxy = await startPrismProxy(server.url, API_DOCUMENTS);
    receiver = await new CallbackReceiver().start();
    other = await server.addConsumer('prism-other');
    const credentials = (await fetchParsed(`${server.url}/demo/credentials`)).body;
    demo = {
      ...other,
      id: credentials.consumerId,
      headers: async () => ({
        authorization: `Bearer ${await (await import('@finum-sync/client')).signToken({
          payload: credentials.payload,
          privateKey: credentials.privateKey,
        })}`,
      }),
    };
  });
  afterAll(async () => {
    if (proxy && process.env.PRISM_REPORT) console.log(JSON.stringify(await proxy.reports(), null, 1));
    await proxy?.stop();
    await server?.close();
    await receiver?.stop();
  });

  const call = async (
    method: string,
    path: string,
    options: {
      as?: TestConsumer | 'admin' | 'none';
      json?: unknown;
      body?: BodyInit;
      headers?: Record<string, string>;
    } = {},
  ): Promise<TestResponse> => {
    const as = options.as ?? demo;
    const auth = as === 'none' ? {} : as === 'admin' ? { authorization: `Bearer ${ADMIN_TOKEN}` } : await as.headers();
    return fetchParsed(`${proxy.url}${path}`, {
      method,
      headers: {
        ...auth,
        ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
    });
  };

  const expectNoViolations = async () => {
    const violations = await proxy.violations();
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
    const { unchecked } = await proxy.reports();
    expect(unchecked.filter((u) => !PRISM_UNCHECKABLE.test(u))).toEqual([]);
  };

  it('reports a server and a document that disagree (the checker checks)', async () => {
    const document = JSON.parse(readFileSync(CONSUMER_DOCUMENT, 'utf8'));
    document.components.schemas.AuthStatus.required.push('notSentByTheServer');
    const dir = mkdtempSync(join(tmpdir(), 'prism-'));
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const strict = await startPrismProxy(server.url, file);
    try {
      const res = await fetchParsed(`${strict.url}/v1/auth-status`, { headers: await demo.headers() });
      expect(res.status).toBe(200);
      expect(await strict.violations()).toEqual([
        expect.objectContaining({ path: '/v1/auth-status', location: ['response', 'body'], severity: 'Error' }),
      ]);
    } finally {
      await strict.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every read endpoint, with valid and invalid input', async () => {
    const ids: Record<string, string[]> = {};
    for (const op of consumerDoc.operations.filter((o) => o.method === 'GET' && o.security === 'consumer')) {
      const type = /\/v1\/(\w+)-id-list-updated$/.exec(op.path)?.[1];
      if (!type) continue;
      const res = await call('GET', op.path);
      expect(res.status).toBe(200);
      ids[type] = res.body;
      expect((await call('GET', `${op.path}?since=2020-01-01T00:00:00.000Z`)).status).toBe(200);
      expect((await call('GET', `${op.path}?since=yesterday`)).status).toBe(400);
      expect((await call('GET', `${op.path}?since=2999-01-01T00:00:00.000Z`)).status).toBe(400);
    }
    for (const op of consumerDoc.operations.filter((o) => o.method === 'GET' && o.security === 'consumer')) {
      const type = /\/v1\/(\w+)-list$/.exec(op.path)?.[1];
      if (!type) continue;
      const some = (ids[type] ?? []).slice(0, 5);
      expect((await call('GET', `${op.path}?id-list=${some.join(',')}`)).status).toBe(200);
      expect((await call('GET', `${op.path}?id-list=${encodeURIComponent(` ${some[0]} ,,${some[0]}`)}`)).status).toBe(
        200,
      );
      expect((await call('GET', op.path)).status).toBe(400);
      expect((await call('GET', `${op.path}?id-list=bad%20id!`)).status).toBe(400);
      const tooMany = Array.from({ length: 1001 }, (_, i) => `x-${i}`).join(',');
      expect((await call('GET', `${op.path}?id-list=${tooMany}`)).status).toBe(400);
      expect((await call('GET', `${op.path}?nope=1`)).status).toBe(400);
      expect((await call('GET', `${op.path}?id-list=${some[0]}`, { as: 'none' })).status).toBe(401);
      expect((await call('GET', `${op.path}?id-list=${some.join(',')}`, { as: other })).status).toBe(200);
    }
    const holder = ids.client?.[0];
    expect((await call('GET', `/v1/contract-list?holder-id=${holder}`)).status).toBe(200);
    expect((await call('GET', '/v1/client-list?external-id=CRM-4711')).status).toBe(200);
    expect((await call('GET', '/v1/auth-status')).status).toBe(200);
    expect((await call('GET', '/v1/auth-status', { headers: { authorization: 'Bearer a.b.c' } })).status).toBe(401);

    const fileId = ids.file![0]!;
    const file = (await call('GET', `/v1/file-list?id-list=${fileId}`)).body[0];
    const download = await call('GET', `/v1/file-download?id=${fileId}`);
    expect(download.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(download.text, 'binary')).digest('hex')).toHaveLength(64);
    expect(
      (await call('GET', `/v1/file-download?id=${fileId}`, { headers: { 'if-none-match': `"${file.sha256}"` } }))
        .status,
    ).toBe(304);
    expect((await call('GET', `/v1/file-download?id=${fileId}`, { headers: { range: 'bytes=0-9' } })).status).toBe(206);
    expect(
      (await call('GET', `/v1/file-download?id=${fileId}`, { headers: { range: 'bytes=999999999-' } })).status,
    ).toBe(416);
    expect((await call('GET', '/v1/file-download?id=nope')).status).toBe(404);
    expect((await call('GET', '/v1/file-download')).status).toBe(400);
    expect((await call('GET', '/healthz', { as: 'none' })).status).toBe(200);
    expect((await call('GET', '/readyz', { as: 'none' })).status).toBe(200);
    expect((await call('GET', '/demo/credentials', { as: 'none' })).status).toBe(200);
    await expectNoViolations();
  });

  it('the create-contract flow: writes, callbacks, uploads and downloads', async () => {
    const client = await call('POST', '/v1/client', {
      json: { type: 'person', firstName: 'Eva', lastName: 'Lindner', birthDate: '1988-03-14', externalId: 'PRISM-1' },
      headers: { 'idempotency-key': 'prism-client-1' },
    });
    expect(client.status).toBe(201);
    const replay = await call('POST', '/v1/client', {
      json: { type: 'person', firstName: 'Eva', lastName: 'Lindner', birthDate: '1988-03-14', externalId: 'PRISM-1' },
      headers: { 'idempotency-key': 'prism-client-1' },
    });
    expect(replay.status).toBe(201);
    const reused = await call('POST', '/v1/client', {
      json: { type: 'company', companyName: 'Other' },
      headers: { 'idempotency-key': 'prism-client-1' },
    });
    expect(reused.status).toBe(422);
    expect((await call('POST', '/v1/client', { json: { type: 'person' } })).status).toBe(400);
    expect(
      (await call('POST', '/v1/client', { body: '{"type":', headers: { 'content-type': 'application/json' } })).status,
    ).toBe(400);
    expect((await call('POST', '/v1/client', { body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(
      415,
    );
    const patched = await call('PATCH', '/v1/client', { json: { id: client.body.id, city: 'Wien', version: 1 } });
    expect(patched.status).toBe(200);
    expect((await call('PATCH', '/v1/client', { json: { id: client.body.id, city: 'Graz', version: 1 } })).status).toBe(
      409,
    );
    expect((await call('PATCH', '/v1/client', { json: { id: 'cl-nope', city: 'Graz' } })).status).toBe(404);

    const created = await call('POST', '/v1/contract', {
      json: proposalRequest(client.body.id, { callbackUrl: receiver.url }),
    });
    expect(created.status).toBe(201);
    const contractId = created.body.id as string;
    expect((await receiver.next()).json).toMatchObject({ contractId, status: 130 });
    const proposed = (await call('GET', `/v1/contract-list?id-list=${contractId}`)).body[0];
    const pdf = await call('GET', `/v1/file-download?id=${proposed.proposalFileId}`);
    expect(pdf.status).toBe(200);

    const bytes = Buffer.concat([
      Buffer.from('%PDF-1.4\n'),
      Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 37) % 256)),
    ]);
    const form = new FormData();
    form.set('file', new Blob([bytes], { type: 'application/pdf' }), 'signed.pdf');
    form.set('contractId', contractId);
    form.set('category', 'correspondence');
    const upload = await call('POST', '/v1/file', { body: form, headers: { 'idempotency-key': 'prism-upload-1' } });
    expect(upload.status).toBe(201);
    expect(upload.body.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const back = await fetch(`${proxy.url}/v1/file-download?id=${upload.body.id}`, { headers: await demo.headers() });
    expect(
      createHash('sha256')
        .update(Buffer.from(await back.arrayBuffer()))
        .digest('hex'),
    ).toBe(upload.body.sha256);
    const noFile = new FormData();
    noFile.set('contractId', contractId);
    noFile.set('category', 'other');
    expect((await call('POST', '/v1/file', { body: noFile })).status).toBe(400);

    expect((await call('PATCH', '/v1/contract', { json: { id: contractId, status: 320 } })).status).toBe(400);
    const ordered = await call('PATCH', '/v1/contract', {
      json: { id: contractId, status: 230, callbackUrl: receiver.url },
    });
    expect(ordered.status).toBe(200);
    expect((await receiver.next()).json).toMatchObject({ contractId, status: 320 });
    expect((await call('PATCH', '/v1/contract', { json: { id: contractId, status: 190 } })).status).toBe(409);
    expect((await call('PATCH', '/v1/contract', { json: { id: contractId, premium: '1.00' } })).status).toBe(409);
    const active = (await call('GET', `/v1/contract-list?id-list=${contractId}`)).body[0];
    expect(active.status).toBe(320);
    await expectNoViolations();
  });

  it('the back office, with its own document', async () => {
    const consumerId = demo.id;
    const lines = [
      { recordType: 'product', id: 'p-prism-1', name: 'Prism product', category: 'other' },
      { recordType: 'client', id: 'cl-prism-1', consumerId, type: 'company', companyName: 'Prism GmbH' },
      {
        recordType: 'contract',
        id: 'c-prism-1',
        consumerId,
        holderId: 'cl-prism-1',
        productId: 'p-prism-1',
        status: 120,
      },
    ];
    const ndjson = { 'content-type': 'application/x-ndjson' };
    const imported = await call('POST', '/admin/api/records', {
      as: 'admin',
      body: lines.map((l) => JSON.stringify(l)).join('\n'),
      headers: ndjson,
    });
    expect(imported.status, imported.text).toBe(200);
    expect(
      (await call('POST', '/admin/api/records', { as: 'admin', body: '{"type":"x"}', headers: ndjson })).status,
    ).toBe(400);
    expect((await call('POST', '/admin/api/records', { as: 'none', body: '{}', headers: ndjson })).status).toBe(401);
    expect((await call('GET', '/admin/api/contracts/awaiting', { as: 'admin' })).status).toBe(200);
    expect((await call('GET', `/admin/api/contracts/awaiting?consumer-id=${consumerId}`, { as: 'admin' })).status).toBe(
      200,
    );
    expect((await call('GET', '/admin/api/contracts/awaiting', { as: demo })).status).toBe(401);

    const form = new FormData();
    form.set('file', new Blob([Buffer.from('%PDF-1.4\n%prism\n%%EOF\n')], { type: 'application/pdf' }), 'proposal.pdf');
    form.set('category', 'proposal');
    form.set('asProposal', 'true');
    const attached = await call('POST', '/admin/api/contracts/c-prism-1/files', { as: 'admin', body: form });
    expect(attached.status, attached.text).toBe(201);
    const status = await call('POST', '/admin/api/contracts/c-prism-1/status', {
      as: 'admin',
      json: { status: 130, statusNote: 'Your proposal.' },
    });
    expect(status.status).toBe(200);
    expect(
      (await call('POST', '/admin/api/contracts/c-prism-1/status', { as: 'admin', json: { status: 1 } })).status,
    ).toBe(400);
    expect(
      (await call('POST', '/admin/api/contracts/c-nope/status', { as: 'admin', json: { status: 320 } })).status,
    ).toBe(404);
    expect((await call('GET', '/admin/api/deliveries?limit=5', { as: 'admin' })).status).toBe(200);
    expect((await call('GET', '/admin/api/deliveries?limit=0', { as: 'admin' })).status).toBe(400);
    await expectNoViolations();
  });
});
