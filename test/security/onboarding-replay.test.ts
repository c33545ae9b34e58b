import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { fetchParsed, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Issue 11, item 6: re-sending the onboarding form with its `Idempotency-Key` after the
 * decision answers with the original receipt — never a new status link that would show the
 * credentials and the provider-generated private key; keys expire after 24 h.
 */

describe.each(inject('dialects'))('%s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN, ONBOARDING_RATE_LIMIT: '0' } });
  });
  afterAll(() => server?.close());

  const form = (company: string) => ({
    company,
    contactName: 'Anna Huber',
    email: 'anna@replay.example',
    phone: '+43 1 234 5678',
    intendedUse: 'Our broker CRM syncs the contracts of about 2,000 clients every night.',
    keySource: 'provider',
  });
  const submit = (body: unknown, key: string) =>
    fetchParsed(`${server.url}/onboarding/api/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
  const status = (token: string) =>
    fetchParsed(`${server.url}/onboarding/api/application-status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });

  it('a replay after the approval returns the original receipt; the applicant alone sees the private key', async () => {
    const key = randomUUID();
    const body = form(`Replay ${dialect}`);
    const first = await submit(body, key);
    expect(first.status).toBe(201);
    const approved = await adminApi(server).post(`/admin/api/applications/${first.body.applicationId}/approve`, {
      consumerId: `replay-${dialect}`,
    });
    expect(approved.status, approved.text).toBe(200);

    const replay = await submit(body, key);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    // The applicant's link still works and shows the private key, once.
    const shown = await status(first.body.statusToken);
    expect(shown.status).toBe(200);
    expect(shown.body.status).toBe('approved');
    expect(shown.body.privateKey).toMatch(/BEGIN PRIVATE KEY/);
    expect((await status(first.body.statusToken)).body.privateKey).toBeNull();
  });

  it('a key expires after 24 h: the same key then starts a new application', async () => {
    const key = randomUUID();
    const old = await submit(form(`Old ${dialect}`), key);
    expect(old.status).toBe(201);
    // The first application was submitted 25 h ago (as the store would hold it).
    const row = (await server.store.findApplication({ id: old.body.applicationId }))!;
    await server.store.updateApplication(row.id, { idempotencyKey: null });
    await server.store.insertApplication({
      ...row,
      id: `${row.id}x`,
      statusTokenHash: `${row.statusTokenHash}x`,
      idempotencyKey: key,
      createdMs: Date.now() - 25 * 3_600_000,
    });
    const fresh = await submit(form(`New ${dialect}`), key);
    expect(fresh.status, fresh.text).toBe(201);
    expect(fresh.body.applicationId).not.toBe(`${row.id}x`);
  });
});
