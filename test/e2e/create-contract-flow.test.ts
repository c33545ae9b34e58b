import { createHash } from 'node:crypto';
import { signToken } from '@finum-sync/client';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { proposalRequest } from '../helpers/records.js';
import { fetchParsed, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The "creating new contracts" flow of the public description, end to end over real
 * HTTP, against the demo provider simulator: client by externalId, contract with 120 and
 * a callback, signed callback, proposal PDF, PATCH to 230 with a callback, callback with
 * 320, active contract with its documents.
 */
describe.each(inject('dialects'))('creating a contract with a provider (%s)', (dialect) => {
  let server: TestServer;
  let receiver: CallbackReceiver;
  // The demo simulator plays the provider for the `demo` consumer: use its published credentials.
  let credentials: { payload: Record<string, unknown>; privateKey: string; callbackSecret: string };

  beforeAll(async () => {
    server = await startTestServer({ dialect, demo: true, env: { DEMO_DELAY_MS: '200' } });
    receiver = await new CallbackReceiver().start();
    credentials = (await fetchParsed(`${server.url}/demo/credentials`)).body;
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.stop();
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetchParsed(`${server.url}${path}`, {
      method,
      headers: { ...(await auth()), ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });

  const auth = async () => ({
    authorization: `Bearer ${await signToken({ payload: credentials.payload, privateKey: credentials.privateKey })}`,
  });

  it('follows the flow from client to active contract', async () => {
    const webhook = new Webhook(credentials.callbackSecret);

    // 2. Does the client exist at the provider? Look it up by our own id.
    const lookup = await call('GET', '/v1/client-list?external-id=OUR-CRM-77');
    expect(lookup.status).toBe(200);
    expect(lookup.body).toEqual([]);

    // 3. Create it.
    const client = await call('POST', '/v1/client', {
      type: 'person',
      firstName: 'Eva',
      lastName: 'Lindner',
      birthDate: '1988-03-14',
      externalId: 'OUR-CRM-77',
    });
    expect(client.status).toBe(201);
    expect(client.body).toMatchObject({ type: 'person', lastName: 'Lindner', version: 1, deleted: false });
    expect((await call('GET', '/v1/client-list?external-id=OUR-CRM-77')).body.map((c: { id: string }) => c.id)).toEqual(
      [client.body.id],
    );

    // 4. Ask for a proposal, with a callback.
    const created = await call(
      'POST',
      '/v1/contract',
      proposalRequest(client.body.id, { externalId: 'OUR-DEAL-1', callbackUrl: receiver.url }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 120, holderId: client.body.id, fileIdList: [] });
    expect(created.body).not.toHaveProperty('callbackUrl');
    const contractId = created.body.id as string;

    // 5. The provider makes a proposal: a signed callback, then fetch the contract.
    const first = await receiver.next();
    expect(() => webhook.verify(first.body, first.headers as Record<string, string>)).not.toThrow();
    expect(first.json).toMatchObject({ type: 'contract.status-changed', contractId, status: 130, previousStatus: 120 });
    const proposed = (await call('GET', `/v1/contract-list?id-list=${contractId}`)).body[0];
    expect(proposed.status).toBe(130);
    expect(proposed.proposalFileId).toEqual(expect.any(String));
    expect(proposed.fileIdList).toEqual([proposed.proposalFileId]);

    const fileRecord = (await call('GET', `/v1/file-list?id-list=${proposed.proposalFileId}`)).body[0];
    expect(fileRecord).toMatchObject({ contractId, category: 'proposal', mimeType: 'application/pdf' });
    const pdf = await fetch(`${server.url}/v1/file-download?id=${proposed.proposalFileId}`, { headers: await auth() });
    expect(pdf.status).toBe(200);
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(fileRecord.sha256);
    expect(pdf.headers.get('etag')).toBe(`"${fileRecord.sha256}"`);
    expect(Number(pdf.headers.get('content-length'))).toBe(fileRecord.size);

    // 7. The client agrees: order it, with a callback.
    const ordered = await call('PATCH', '/v1/contract', { id: contractId, status: 230, callbackUrl: receiver.url });
    expect(ordered.status).toBe(200);
    expect(ordered.body.status).toBe(230);

    // 8. The provider activates it.
    const second = await receiver.next();
    expect(() => webhook.verify(second.body, second.headers as Record<string, string>)).not.toThrow();
    expect(second.json).toMatchObject({ contractId, status: 320, previousStatus: 230 });
    expect(second.headers['webhook-id']).not.toBe(first.headers['webhook-id']);
    const active = (await call('GET', `/v1/contract-list?id-list=${contractId}`)).body[0];
    expect(active).toMatchObject({ status: 320, contractNumber: expect.stringMatching(/^POL-/) });
    expect(active.fileIdList).toHaveLength(2);
    const files = (await call('GET', `/v1/file-list?id-list=${active.fileIdList.join(',')}`)).body;
    expect(files.map((f: { category: string }) => f.category).sort()).toEqual(['policy', 'proposal']);
    expect(receiver.received).toHaveLength(2);
  });
});
