import type { ProblemCode } from '@finum-sync/spec';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiCaller, consumerApi, expectProblem, fileForm, seedBasics } from '../helpers/api.js';
import { refusedWithoutTrace } from '../helpers/db-dump.js';
import { DOCUMENTS, sha256, uniquePdf } from '../helpers/documents.js';
import { startTestServer, type TestConsumer, type TestServer } from '../helpers/server.js';

/** SPEC §7: `POST /v1/file` (multipart), and the document's download (SPEC §6). */
const MAX_FILE_SIZE = 4096;

describe.each(inject('dialects'))('file upload (%s)', (dialect) => {
  let server: TestServer;
  let consumer: TestConsumer;
  let api: ApiCaller;
  let basics: { productId: string; clientId: string };
  let otherContractId: string;

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { MAX_FILE_SIZE: String(MAX_FILE_SIZE) } });
    consumer = await server.addConsumer('acme');
    api = consumerApi(server, consumer);
    basics = await seedBasics(server, consumer);
    const other = await server.addConsumer('other');
    const otherBasics = await seedBasics(server, other);
    otherContractId = (
      await consumerApi(server, other).post('/v1/contract', {
        holderId: otherBasics.clientId,
        productId: otherBasics.productId,
      })
    ).body.id;
  });
  afterAll(async () => {
    await server?.close();
  });

  const newContract = async () =>
    (await api.post('/v1/contract', { holderId: basics.clientId, productId: basics.productId })).body as {
      id: string;
      version: number;
      fileIdList: string[];
    };
  const contract = async (id: string) => (await api.get(`/v1/contract-list?id-list=${id}`)).body[0];
  const upload = (form: FormData, headers: Record<string, string> = {}) =>
    api.send('POST', '/v1/file', { body: form, headers });
  const download = (id: string, headers: Record<string, string> = {}) =>
    api.send('GET', `/v1/file-download?id=${id}`, { headers });

  it('stores a document of a contract and serves the same bytes', async () => {
    const target = await newContract();
    const created = await upload(
      fileForm(
        { bytes: DOCUMENTS.pdf, type: 'application/pdf', name: 'Antrag 2027.pdf' },
        {
          contractId: target.id,
          category: 'correspondence',
        },
      ),
    );
    expect(created.status, created.text).toBe(201);
    const file = created.body;
    expect(file).toMatchObject({
      contractId: target.id,
      clientId: null,
      productId: null,
      name: 'Antrag 2027.pdf',
      mimeType: 'application/pdf',
      size: DOCUMENTS.pdf.length,
      sha256: sha256(DOCUMENTS.pdf),
      category: 'correspondence',
      version: 1,
      deleted: false,
    });
    expect((await api.get(`/v1/file-list?id-list=${file.id}`)).body).toEqual([file]);
    expect((await api.get('/v1/file-id-list-updated')).body).toContain(file.id);
    const after = await contract(target.id);
    expect(after.fileIdList).toEqual([file.id]);
    expect(after.version).toBe(target.version + 1);

    const whole = await fetch(`${server.url}/v1/file-download?id=${file.id}`, { headers: await consumer.headers() });
    expect(whole.status).toBe(200);
    const bytes = new Uint8Array(await whole.arrayBuffer());
    expect(sha256(bytes)).toBe(file.sha256);
    expect(whole.headers.get('content-type')).toMatch(/^application\/pdf/);
    expect(whole.headers.get('content-length')).toBe(String(DOCUMENTS.pdf.length));
    expect(whole.headers.get('etag')).toBe(`"${file.sha256}"`);
    expect(whole.headers.get('content-disposition')).toMatch(/Antrag/);

    const part = await download(file.id, { range: 'bytes=0-4' });
    expect(part.status).toBe(206);
    expect(part.text).toBe('%PDF-');
    expect(part.headers.get('content-range')).toBe(`bytes 0-4/${DOCUMENTS.pdf.length}`);
    const tail = await download(file.id, { range: 'bytes=-6' });
    expect(tail.status).toBe(206);
    expect(tail.text).toBe('%%EOF\n');
    const outside = await download(file.id, { range: `bytes=${DOCUMENTS.pdf.length + 10}-` });
    expectProblem(outside, 416, 'range-not-satisfiable');

    const cached = await download(file.id, { 'if-none-match': `"${file.sha256}"` });
    expect(cached.status).toBe(304);
    expect(cached.text).toBe('');
    const stale = await download(file.id, { 'if-none-match': `"${'0'.repeat(64)}"` });
    expect(stale.status).toBe(200);
  });

  it('stores a document of a client', async () => {
    const created = await upload(
      fileForm(
        { bytes: DOCUMENTS.png, type: 'image/png', name: 'ausweis.png' },
        {
          clientId: basics.clientId,
          category: 'identification',
        },
      ),
    );
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ clientId: basics.clientId, contractId: null, mimeType: 'image/png' });
  });

  it('takes a missing or generic type from the bytes', async () => {
    const target = await newContract();
    const created = await upload(
      fileForm(
        { bytes: DOCUMENTS.pdf, type: 'application/octet-stream', name: 'scan' },
        {
          contractId: target.id,
          category: 'other',
        },
      ),
    );
    expect(created.status, created.text).toBe(201);
    expect(created.body.mimeType).toBe('application/pdf');
  });

  type Refusal = [string, () => Promise<FormData>, number, ProblemCode, string[]];
  const onContract =
    (file: Parameters<typeof fileForm>[0], fields: Record<string, string> = {}) =>
    async () =>
      fileForm(file, { contractId: (await newContract()).id, category: 'other', ...fields });
  const refusals: Refusal[] = [
    [
      'PNG bytes declared as application/pdf',
      onContract({ bytes: DOCUMENTS.png, type: 'application/pdf' }),
      400,
      'invalid-body',
      ['file'],
    ],
    [
      'PDF bytes declared as text/plain',
      onContract({ bytes: DOCUMENTS.pdf, type: 'text/plain' }),
      400,
      'invalid-body',
      ['file'],
    ],
    [
      'a Linux executable',
      onContract({ bytes: DOCUMENTS.elf, type: 'application/octet-stream' }),
      415,
      'unsupported-media-type',
      [],
    ],
    [
      'a Windows executable',
      onContract({ bytes: DOCUMENTS.exe, type: 'application/x-msdownload' }),
      415,
      'unsupported-media-type',
      [],
    ],
    [
      'a Windows executable declared as a PDF',
      onContract({ bytes: DOCUMENTS.exe, type: 'application/pdf' }),
      400,
      'invalid-body',
      ['file'],
    ],
    ['an HTML page', onContract({ bytes: DOCUMENTS.html, type: 'text/html' }), 415, 'unsupported-media-type', []],
    ['a form without the file part', onContract(undefined), 400, 'invalid-body', ['file']],
    [
      'a file in a part not named file',
      async () =>
        fileForm(
          { bytes: DOCUMENTS.pdf, type: 'application/pdf' },
          { contractId: (await newContract()).id, category: 'other' },
          'document',
        ),
      400,
      'invalid-body',
      [],
    ],
    ['an empty file', onContract({ bytes: new Uint8Array(0), type: 'application/pdf' }), 400, 'invalid-body', ['file']],
    [
      'both contractId and clientId',
      onContract({ bytes: DOCUMENTS.pdf, type: 'application/pdf' }, { clientId: 'cl-x' }),
      400,
      'invalid-body',
      ['contractId'],
    ],
    [
      'neither contractId nor clientId',
      async () => fileForm({ bytes: DOCUMENTS.pdf, type: 'application/pdf' }, { category: 'other' }),
      400,
      'invalid-body',
      ['contractId'],
    ],
    [
      'an unknown category',
      onContract({ bytes: DOCUMENTS.pdf, type: 'application/pdf' }, { category: 'memes' }),
      400,
      'invalid-body',
      ['category'],
    ],
    [
      'an unknown form field',
      onContract({ bytes: DOCUMENTS.pdf, type: 'application/pdf' }, { colour: 'blue' }),
      400,
      'invalid-body',
      ['colour'],
    ],
    [
      "another consumer's contract",
      async () =>
        fileForm({ bytes: uniquePdf(), type: 'application/pdf' }, { contractId: otherContractId, category: 'other' }),
      404,
      'not-found',
      [],
    ],
    [
      'a nonexistent client',
      async () => fileForm({ bytes: DOCUMENTS.text, type: 'text/plain' }, { clientId: 'cl-nobody', category: 'other' }),
      404,
      'not-found',
      [],
    ],
    [
      `a file over MAX_FILE_SIZE (${MAX_FILE_SIZE} bytes)`,
      onContract({
        bytes: new Uint8Array(Buffer.concat([Buffer.from(DOCUMENTS.pdf), Buffer.alloc(MAX_FILE_SIZE, 0x20)])),
        type: 'application/pdf',
      }),
      413,
      'payload-too-large',
      [],
    ],
  ];

  it.each(refusals)('refuses %s, writing nothing', async (_label, form, status, code, fields) => {
    const body = await form();
    const response = await refusedWithoutTrace(server.db, () => upload(body));
    expectProblem(response, status, code, fields);
  });

  it('refuses a JSON body with 415', async () => {
    const target = await newContract();
    const response = await refusedWithoutTrace(server.db, () =>
      api.post('/v1/file', { contractId: target.id, category: 'other' }),
    );
    expectProblem(response, 415, 'unsupported-media-type');
  });

  it('replays an upload with the same Idempotency-Key, adding the file once', async () => {
    const target = await newContract();
    const form = () =>
      fileForm(
        { bytes: DOCUMENTS.pdf, type: 'application/pdf', name: 'police.pdf' },
        {
          contractId: target.id,
          category: 'policy',
        },
      );
    const headers = { 'idempotency-key': `upload-${target.id}` };
    const first = await upload(form(), headers);
    expect(first.status, first.text).toBe(201);
    const replay = await upload(form(), headers);
    expect(replay.status, replay.text).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect((await contract(target.id)).fileIdList).toEqual([first.body.id]);

    const otherBytes = await refusedWithoutTrace(server.db, () =>
      upload(
        fileForm(
          { bytes: DOCUMENTS.text, type: 'text/plain', name: 'police.pdf' },
          {
            contractId: target.id,
            category: 'policy',
          },
        ),
        headers,
      ),
    );
    expectProblem(otherBytes, 422, 'idempotency-key-reused');
  });
});
