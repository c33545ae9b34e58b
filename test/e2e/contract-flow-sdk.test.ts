import {
  createCallbackDeduplicator,
  createCallbackHub,
  createClient,
  type FinumClient,
  runContractFlow,
  verifyCallback,
} from '@finum-sync/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { fetchParsed, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The public description's "creating new contracts" flow through the SDK's one helper,
 * against the real server and its demo provider simulator, with real signed callbacks
 * received over HTTP, verified and handed to the flow.
 */
describe.each(inject('dialects'))('runContractFlow against the demo provider (%s)', (dialect) => {
  let server: TestServer;
  let receiver: CallbackReceiver;
  let finum: FinumClient;
  const hub = createCallbackHub();
  const firstTime = createCallbackDeduplicator();
  let verified = 0;

  beforeAll(async () => {
    server = await startTestServer({ dialect, demo: true, env: { DEMO_DELAY_MS: '200' } });
    const credentials = (await fetchParsed(`${server.url}/demo/credentials`)).body;
    finum = createClient({ baseUrl: server.url, payload: credentials.payload, privateKey: credentials.privateKey });
    receiver = await new CallbackReceiver().start();
    // The broker's callback endpoint: verify, de-duplicate, wake the flow.
    void (async () => {
      for (;;) {
        const callback = await receiver.next(600_000).catch(() => undefined);
        if (!callback) return;
        const { id, event } = verifyCallback(
          callback.body,
          callback.headers as Record<string, string>,
          credentials.callbackSecret,
        );
        verified++;
        if (await firstTime(id)) hub.deliver(event);
      }
    })();
  });
  afterAll(async () => {
    await receiver?.stop();
    await server?.close();
  });

  const liability = { productId: 'p-liability-01', startDate: '2027-01-01', premium: '9.90', currency: 'EUR' };

  it('goes from a new client to an active contract, woken by callbacks', async () => {
    const proposals: Uint8Array[] = [];
    const outcome = await runContractFlow(finum, {
      flowId: `flow-${dialect}-callbacks`,
      client: { type: 'person', firstName: 'Eva', lastName: 'Lindner', externalId: `CRM-${dialect}-77` },
      contract: liability,
      callbackUrl: receiver.url,
      callbacks: hub,
      // Polling would take a minute: only the callbacks can finish this test in time.
      pollIntervalMs: 60_000,
      confirmOrder: ({ bytes }) => {
        proposals.push(bytes);
        return true;
      },
    });
    expect(outcome.kind).toBe('active');
    if (outcome.kind !== 'active') return;
    expect(outcome.contract).toMatchObject({ status: 320, contractNumber: expect.stringMatching(/^POL-/) });
    expect(outcome.documents.map((f) => f.category).sort()).toEqual(['policy', 'proposal']);
    expect(Buffer.from(proposals[0]!).subarray(0, 5).toString()).toBe('%PDF-');
    expect(verified).toBeGreaterThanOrEqual(2);
  });

  it('polls when there is no callback', async () => {
    const outcome = await runContractFlow(finum, {
      flowId: `flow-${dialect}-polling`,
      client: { type: 'company', companyName: 'Poll GmbH', externalId: `CRM-${dialect}-poll` },
      contract: liability,
      pollIntervalMs: 100,
      confirmOrder: () => true,
    });
    expect(outcome).toMatchObject({ kind: 'active', contract: { status: 320 } });
  });

  it('returns 110 as an outcome naming the missing fields', async () => {
    const outcome = await runContractFlow(finum, {
      flowId: `flow-${dialect}-missing`,
      client: { type: 'person', lastName: 'Kurz', externalId: `CRM-${dialect}-short` },
      contract: { productId: 'p-life-01', startDate: '2027-01-01' },
      confirmOrder: () => true,
    });
    expect(outcome).toMatchObject({
      kind: 'needs-client-data',
      contract: { status: 110 },
      missingFields: ['sumInsured', 'paymentFrequency'],
      statusNote: expect.stringContaining('sumInsured'),
    });
  });

  it('resumes after a crash with the same flow id: one client, one contract, carried on to the end', async () => {
    const input = {
      flowId: `flow-${dialect}-crash`,
      client: { type: 'person', lastName: 'Absturz', externalId: `CRM-${dialect}-crash` },
      contract: liability,
      pollIntervalMs: 100,
    } as const;
    // The process "dies" while the customer looks at the proposal.
    await expect(
      runContractFlow(finum, {
        ...input,
        confirmOrder: () => {
          throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    const [first] = (await finum.clients.list({ externalId: input.client.externalId })).records;
    const before = (await finum.contracts.list({ holderId: first!.id })).records;
    expect(before).toHaveLength(1);
    expect(before[0]!.status).toBe(130);

    const outcome = await runContractFlow(finum, { ...input, confirmOrder: () => true });
    expect(outcome).toMatchObject({ kind: 'active', contract: { id: before[0]!.id, status: 320 } });
    expect((await finum.clients.list({ externalId: input.client.externalId })).records).toHaveLength(1);
    expect((await finum.contracts.list({ holderId: first!.id })).records).toHaveLength(1);
  });

  it('stops at the proposal when the customer does not confirm, and times out a step the provider does not take', async () => {
    const declined = await runContractFlow(finum, {
      flowId: `flow-${dialect}-no`,
      client: { type: 'person', lastName: 'Nein', externalId: `CRM-${dialect}-no` },
      contract: liability,
      pollIntervalMs: 100,
      confirmOrder: () => false,
    });
    expect(declined).toMatchObject({ kind: 'proposal-available', contract: { status: 130 } });
    if (declined.kind === 'proposal-available') expect(declined.proposal.file.category).toBe('proposal');

    const impatient = await runContractFlow(finum, {
      flowId: `flow-${dialect}-impatient`,
      client: { type: 'person', lastName: 'Eilig', externalId: `CRM-${dialect}-fast` },
      contract: liability,
      pollIntervalMs: 20,
      stepTimeoutMs: 50,
      confirmOrder: () => true,
    });
    expect(impatient).toMatchObject({ kind: 'timed-out', waitingFor: 130, contract: { status: 120 } });
  });
});
