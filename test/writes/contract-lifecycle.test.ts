import {
  CONSUMER_TARGET_STATUSES,
  CONTRACT_STATUS_CODES,
  CONTRACT_STATUSES,
  type ContractStatus,
  DATA_FROZEN_FROM,
  type StatusDef,
} from '@finum-sync/spec';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiCaller, adminApi, consumerApi, expectProblem, seedBasics, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { refusedWithoutTrace } from '../helpers/db-dump.js';
import { startTestServer, type TestServer, testRecord } from '../helpers/server.js';

/** SPEC §8, as the published text says it: the consumer's transitions. */
const SPEC_CONSUMER_TRANSITIONS: Record<number, number[]> = {
  100: [120, 190],
  110: [120, 190],
  120: [190],
  130: [120, 190, 230],
};

const allowedFrom = (from: ContractStatus) => [...(CONTRACT_STATUSES[from] as StatusDef).consumerMayMoveTo];
const setBy = (status: ContractStatus) => (CONTRACT_STATUSES[status] as StatusDef).setBy;

const allowed: Array<[ContractStatus, ContractStatus]> = [];
const forbidden: Array<[ContractStatus, ContractStatus]> = [];
for (const from of CONTRACT_STATUS_CODES) {
  for (const to of CONSUMER_TARGET_STATUSES) {
    if (from === to) continue;
    (allowedFrom(from).includes(to) ? allowed : forbidden).push([from, to]);
  }
}
const providerStatuses = CONTRACT_STATUS_CODES.filter((s) => setBy(s) === 'provider');
const frozen = CONTRACT_STATUS_CODES.filter((s) => s >= DATA_FROZEN_FROM);
const open = CONTRACT_STATUS_CODES.filter((s) => s < DATA_FROZEN_FROM);

const PAST = '2026-01-02T03:04:05.678Z';

describe('the lifecycle table', () => {
  it('allows exactly the consumer transitions of SPEC §8', () => {
    const fromTable = Object.fromEntries(
      CONTRACT_STATUS_CODES.filter((s) => allowedFrom(s).length > 0).map((s) => [s, allowedFrom(s).sort()]),
    );
    expect(fromTable).toEqual(SPEC_CONSUMER_TRANSITIONS);
    expect(forbidden.length).toBeGreaterThan(20);
  });
});

describe.each(inject('dialects'))('contract lifecycle (%s)', (dialect) => {
  let server: TestServer;
  let api: ApiCaller;
  let admin: ApiCaller;
  let basics: { productId: string; clientId: string };
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
    const consumer = await server.addConsumer('acme');
    api = consumerApi(server, consumer);
    admin = adminApi(server);
    basics = await seedBasics(server, consumer);
    await server.putRecords([
      testRecord('product', '', { requiredFields: ['startDate', 'premium', 'paymentFrequency'] }, { id: 'p-needs' }),
    ]);
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A contract the provider put at `status` a while ago. */
  async function contractAt(status: ContractStatus, fields: Record<string, unknown> = {}) {
    const id = `ct-${status}-${++n}`;
    await server.putRecords([
      testRecord(
        'contract',
        'acme',
        {
          holderId: basics.clientId,
          productId: basics.productId,
          status,
          statusChangedAt: PAST,
          statusNote: status === 110 ? 'Missing for a proposal: premium.' : null,
          premium: '10.00',
          ...fields,
        },
        { id, updatedMs: Date.parse(PAST) },
      ),
    ]);
    return get(id);
  }
  const get = async (id: string) => (await api.get(`/v1/contract-list?id-list=${id}`)).body[0];

  it.each(forbidden)('refuses the consumer transition %i → %i with 409 naming the allowed ones', async (from, to) => {
    const contract = await contractAt(from);
    const response = await refusedWithoutTrace(server.db, () =>
      api.patch('/v1/contract', { id: contract.id, status: to }),
    );
    expectProblem(response, 409, 'transition-not-allowed');
    const allowedNow = allowedFrom(from);
    expect(response.body.allowedStatuses).toEqual(allowedNow);
    const named = response.body.detail.split('may move to:')[1] ?? '';
    if (allowedNow.length === 0) expect(named).toMatch(/none/);
    for (const status of allowedNow) expect(named).toContain(String(status));
    expect(await get(contract.id)).toEqual(contract);
  });

  it.each(providerStatuses)('refuses a consumer setting the provider status %i (400 naming status)', async (to) => {
    const contract = await contractAt(130);
    const response = await refusedWithoutTrace(server.db, () =>
      api.patch('/v1/contract', { id: contract.id, status: to }),
    );
    expectProblem(response, 400, 'invalid-body', ['status']);
  });

  it.each(allowed)('moves a contract %i → %i', async (from, to) => {
    const contract = await contractAt(from);
    const response = await api.patch('/v1/contract', { id: contract.id, status: to });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ status: to, statusNote: null, version: contract.version + 1 });
    expect(response.body.statusChangedAt > PAST).toBe(true);
    expect(response.body.statusChangedAt).toBe(response.body.updatedAt);
    expect(await get(contract.id)).toEqual(response.body);
  });

  it.each(frozen)('refuses data changes at status %i with 409 data-frozen', async (status) => {
    const contract = await contractAt(status);
    const response = await refusedWithoutTrace(server.db, () =>
      api.patch('/v1/contract', { id: contract.id, premium: '99.00', endDate: '2030-12-31' }),
    );
    expectProblem(response, 409, 'data-frozen');
    expect(response.body.detail).toContain('premium');
  });

  it.each(open)('accepts data changes at status %i without touching statusChangedAt', async (status) => {
    const contract = await contractAt(status);
    const response = await api.patch('/v1/contract', { id: contract.id, premium: '11.50' });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ status, premium: '11.50', version: contract.version + 1 });
    expect(response.body.statusChangedAt).toBe(PAST);
    expect(response.body.updatedAt > PAST).toBe(true);
  });

  it('treats the current status sent again as no change', async () => {
    for (const status of [190, 230] as const) {
      const contract = await contractAt(status);
      const response = await api.patch('/v1/contract', { id: contract.id, status });
      expect(response.status, response.text).toBe(200);
      expect(response.body).toEqual(contract);
    }
  });

  it('answers a proposal request with missing required fields with 110 naming them', async () => {
    const created = await api.post('/v1/contract', {
      holderId: basics.clientId,
      productId: 'p-needs',
      status: 120,
      premium: '5.00',
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.status).toBe(110);
    expect(created.body.statusNote).toMatch(/startDate/);
    expect(created.body.statusNote).toMatch(/paymentFrequency/);
    expect(created.body.statusNote).not.toMatch(/premium/);
    const id = created.body.id as string;
    const firstChange = created.body.statusChangedAt as string;

    // Asking again without the data: still 110, no status change.
    const again = await api.patch('/v1/contract', { id, status: 120, startDate: '2027-01-01' });
    expect(again.status, again.text).toBe(200);
    expect(again.body).toMatchObject({ status: 110, statusChangedAt: firstChange, startDate: '2027-01-01' });
    expect(again.body.statusNote).toMatch(/paymentFrequency/);
    expect(again.body.statusNote).not.toMatch(/startDate/);

    // Completing the data and asking again: 120.
    const complete = await api.patch('/v1/contract', { id, status: 120, paymentFrequency: 'monthly' });
    expect(complete.status, complete.text).toBe(200);
    expect(complete.body).toMatchObject({ status: 120, statusNote: null, paymentFrequency: 'monthly' });
    expect(complete.body.statusChangedAt > firstChange).toBe(true);
  });

  it('keeps a draft (100) as is and checks required fields when it asks for a proposal', async () => {
    const draft = await api.post('/v1/contract', { holderId: basics.clientId, productId: 'p-needs', status: 100 });
    expect(draft.status, draft.text).toBe(201);
    expect(draft.body).toMatchObject({ status: 100, statusNote: null });
    const asked = await api.patch('/v1/contract', { id: draft.body.id, status: 120 });
    expect(asked.body.status).toBe(110);
    expect(asked.body.statusNote).toMatch(/startDate.*premium.*paymentFrequency/);
  });

  it('takes a one-shot callbackUrl at any status without changing the record', async () => {
    const contract = await contractAt(230);
    const response = await api.patch('/v1/contract', { id: contract.id, callbackUrl: 'https://127.0.0.1:9/hook' });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual(contract);
  });

  it('still delivers terminated and expired contracts, with their status', async () => {
    const contracts = [await contractAt(320), await contractAt(320), await contractAt(320)];
    const ends = [
      { status: 410, endReason: 'Cancelled by the client', endDate: '2026-12-31' },
      { status: 420, endReason: 'Premium not paid' },
      { status: 430, endReason: 'Matured' },
    ];
    for (const [i, end] of ends.entries()) {
      const set = await admin.post(`/admin/api/contracts/${contracts[i]!.id}/status`, end);
      expect(set.status, set.text).toBe(200);
    }
    const ids = contracts.map((c) => c.id);
    const listed = (await api.get(`/v1/contract-list?id-list=${ids.join(',')}`)).body;
    expect(listed.map((c: { status: number; endReason: string }) => [c.status, c.endReason])).toEqual(
      ends.map((e) => [e.status, e.endReason]),
    );
    const byHolder = (await api.get(`/v1/contract-list?holder-id=${basics.clientId}`)).body;
    expect(byHolder.filter((c: { id: string }) => ids.includes(c.id)).map((c: { status: number }) => c.status)).toEqual(
      expect.arrayContaining([410, 420, 430]),
    );
    const updated = (await api.get(`/v1/contract-id-list-updated?since=${encodeURIComponent(PAST)}`)).body;
    expect(updated).toEqual(expect.arrayContaining(ids));
  });
});
