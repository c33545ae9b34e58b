import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Delivery } from '@finum-sync/spec/admin';
import { Webhook } from 'standardwebhooks';
import { describe, expect, inject, it } from 'vitest';
import { adminApi, consumerApi, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { verifiedPayload } from '../helpers/callbacks.js';
import { openOutboxFixture } from '../helpers/outbox.js';
import { spawnServer } from '../helpers/serve-process.js';
import { fetchParsed } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * Issue 15 item 2: the reference connector (examples/provider-connector) as a provider runs
 * it — a real child process receiving the provider events of a real `finum-sync serve`
 * process (demo simulator off), answering through the back-office API; the consumer sees
 * the answers as signed callbacks and documents it can download.
 */

const CONNECTOR_DIR = new URL('../../examples/provider-connector/', import.meta.url);
const CONNECTOR = fileURLToPath(new URL('connector.mjs', CONNECTOR_DIR));

interface Connector {
  child: ChildProcess;
  port: number;
  output(): string;
}

/** Starts the connector on a free port and resolves once it listens. */
function startConnector(env: Record<string, string>): Promise<Connector> {
  const child = spawn(process.execPath, [CONNECTOR], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (text: string) => {
      output += text;
      const match = /connector listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve({ child, port: Number(match[1]), output: () => output });
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`the connector exited (${code}):\n${output}`)));
  });
}

describe.concurrent('reference connector', () => {
  it.each(inject('dialects'))(
    'answers 120 with 130 and a proposal, 230 with 320 and a policy, missing data with 110 (%s)',
    { timeout: 120_000 },
    async (dialect) => {
      const fixture = await openOutboxFixture(dialect, 'connector-broker');
      const { consumer, receiver } = fixture;
      const secret = `whsec_${randomBytes(32).toString('base64')}`;
      let connector: Connector | undefined;
      // The server needs the connector's URL before the connector (which needs the server's) listens.
      const proxy = await new TcpProxy('127.0.0.1', () => connector?.port ?? 1).start();
      const server = await spawnServer({
        ...fixture.db.env,
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        DEMO: 'off',
        ALLOW_PRIVATE_CALLBACKS: 'true',
        CALLBACK_RETRY_BASE_MS: '20',
        PROVIDER_WEBHOOK_URL: `http://127.0.0.1:${proxy.port}/finum-events`,
        PROVIDER_WEBHOOK_SECRET: secret,
      });
      try {
        connector = await startConnector({
          FINUM_SERVER_URL: server.url,
          FINUM_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
          PROVIDER_WEBHOOK_SECRET: secret,
        });
        const admin = adminApi(server);
        const api = consumerApi(server, consumer);
        const contractOf = async (id: string) => (await api.get(`/v1/contract-list?id-list=${id}`)).body[0];

        // The provider pushes its products with the import (the example's own file).
        const imported = await admin.send('POST', '/admin/api/records', {
          body: readFileSync(new URL('products.ndjson', CONNECTOR_DIR)),
          headers: { 'content-type': 'application/x-ndjson' },
        });
        expect(imported.status, imported.text).toBe(200);
        expect(imported.body).toMatchObject({ lines: 3, created: 3 });

        const holder = await api.post('/v1/client', { type: 'person', lastName: 'Connector' });
        expect(holder.status, holder.text).toBe(201);

        // 120 → the connector prices it and answers 130 with a proposal.
        const created = await api.post('/v1/contract', {
          holderId: holder.body.id,
          productId: 'p-home',
          status: 120,
          sumInsured: '50000',
          currency: 'EUR',
          startDate: '2027-01-01',
          externalId: 'BROKER-1',
          callbackUrl: receiver.url,
        });
        expect(created.status, created.text).toBe(201);
        const proposed = verifiedPayload(await receiver.next(60_000), consumer.callbackSecret);
        expect(proposed).toMatchObject({
          type: 'contract.status-changed',
          contractId: created.body.id,
          status: 130,
          previousStatus: 120,
          changedBy: 'provider',
        });
        const contract = await contractOf(created.body.id);
        // 50000 × 1.8 ‰ = 90.00 (above the minimum of 60.00).
        expect(contract).toMatchObject({ status: 130, statusNote: 'Annual premium 90.00 EUR.' });
        expect(contract.proposalFileId).toEqual(expect.any(String));
        const proposal = await fetch(`${server.url}/v1/file-download?id=${contract.proposalFileId}`, {
          headers: await consumer.headers(),
        });
        expect(proposal.status).toBe(200);
        expect(proposal.headers.get('content-type')).toMatch(/^application\/pdf/);
        expect(
          Buffer.from(await proposal.arrayBuffer())
            .subarray(0, 5)
            .toString('latin1'),
        ).toBe('%PDF-');

        // 230 → the connector issues the policy and answers 320.
        const ordered = await api.patch('/v1/contract', {
          id: created.body.id,
          status: 230,
          callbackUrl: receiver.url,
        });
        expect(ordered.status, ordered.text).toBe(200);
        const issued = verifiedPayload(await receiver.next(60_000), consumer.callbackSecret);
        expect(issued).toMatchObject({ contractId: created.body.id, status: 320, previousStatus: 230 });
        const policyContract = await contractOf(created.body.id);
        expect(policyContract).toMatchObject({ status: 320, contractNumber: `POL-${created.body.id}` });
        expect(policyContract.fileIdList).toHaveLength(2);

        // Missing data → 110 with a note saying what is missing.
        const incomplete = await api.post('/v1/contract', {
          holderId: holder.body.id,
          productId: 'p-liability',
          status: 120,
          sumInsured: '1000000',
          callbackUrl: receiver.url,
        });
        expect(incomplete.status, incomplete.text).toBe(201);
        const declined = verifiedPayload(await receiver.next(60_000), consumer.callbackSecret);
        expect(declined).toMatchObject({ contractId: incomplete.body.id, status: 110, previousStatus: 120 });
        expect(await contractOf(incomplete.body.id)).toMatchObject({
          status: 110,
          statusNote: 'Missing: startDate.',
        });

        // The connector checks signatures: unsigned or wrongly signed events are refused.
        const connectorUrl = `http://127.0.0.1:${connector.port}/finum-events`;
        const body = JSON.stringify({
          type: 'contract.order-placed',
          occurredAt: new Date().toISOString(),
          consumerId: consumer.id,
          contractId: incomplete.body.id,
        });
        const unsigned = await fetchParsed(connectorUrl, { method: 'POST', body });
        expect(unsigned.status).toBe(401);
        const other = new Webhook(`whsec_${randomBytes(32).toString('base64')}`);
        const forgedAt = new Date();
        const forged = await fetchParsed(connectorUrl, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'webhook-id': 'msg_forged',
            'webhook-timestamp': String(Math.floor(forgedAt.getTime() / 1000)),
            'webhook-signature': other.sign('msg_forged', forgedAt, body),
          },
        });
        expect(forged.status).toBe(401);

        // Every event reached the connector and was acknowledged (the deliveries view).
        const delivered = await waitFor(async () => {
          const response = await admin.get('/admin/api/deliveries?kind=provider');
          const list = response.body as Delivery[];
          return list.length > 0 && list.every((d) => d.state === 'delivered') ? list : undefined;
        }, 'every provider event delivered');
        expect(delivered.map((d) => d.payload.type)).toEqual(
          expect.arrayContaining(['contract.proposal-requested', 'contract.order-placed', 'client.created']),
        );
        expect(connector.output()).toMatch(/contract\.proposal-requested \S+: 130 with a proposal/);
        expect(connector.output()).toMatch(/contract\.order-placed \S+: 320 \(POL-/);
        expect(connector.output()).toMatch(/refused: a request without a valid signature/);
      } finally {
        connector?.child.kill('SIGKILL');
        await server.kill('SIGTERM');
        await proxy.cut();
        await fixture.close();
      }
    },
  );
});
