import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@finum-sync/client/node';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, runCliJson } from '../../packages/cli/test/run-cli.js';
import { type ApiCaller, adminApi, expectProblem, fileForm, seedBasics, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { uniquePdf } from '../helpers/documents.js';
import { spawnServer } from '../helpers/serve-process.js';
import {
  createTestDatabase,
  fetchParsed,
  startTestServer,
  type TestConsumer,
  type TestDatabase,
  type TestServer,
} from '../helpers/server.js';

/**
 * The audit trail (issue 15 item 5): every administrative action — over the admin API (token
 * or page session), on the onboarding form, or with the CLI on the database — leaves an
 * entry with its actor and time, written in the transaction of the action.
 */

interface Entry {
  id: string;
  at: string;
  actor: { kind: string; name: string; address: string | null };
  action: string;
  target: { type: string; id: string | null };
  detail: Record<string, unknown>;
}

const FORM = {
  contactName: 'Anna Huber',
  email: 'anna.huber@acme-broker.example',
  phone: '+43 1 234 5678',
  website: 'https://acme-broker.example',
  intendedUse: 'Our broker CRM syncs the contracts of about 2,000 clients every night.',
  callbackUrl: 'http://127.0.0.1:9/finum/callbacks',
};

const ndjson = (lines: object[]) => `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
const CLI_USER = `${userInfo().username}@${hostname()}`;

/** Runs SQL on the test database beside the server (to break the audit table on purpose). */
async function rawSql(db: TestDatabase, statement: string): Promise<void> {
  if (db.dialect === 'sqlite') {
    const raw = new SqliteDatabase(join(db.dataDir, 'finum-sync.db'));
    try {
      raw.exec(statement);
    } finally {
      raw.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: db.databaseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

describe.each(inject('dialects'))('audit trail (%s)', (dialect) => {
  let server: TestServer;
  let admin: ApiCaller;
  let consumer: TestConsumer;
  let basics: { productId: string; clientId: string };

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
    admin = adminApi(server);
    consumer = await server.addConsumer('audited');
    basics = await seedBasics(server, consumer);
  });
  afterAll(async () => {
    await server?.close();
  });

  const trail = async (query = ''): Promise<Entry[]> => {
    const r = await admin.get(`/admin/api/audit${query}`);
    expect(r.status, r.text).toBe(200);
    return r.body as Entry[];
  };
  /** The newest entry of an action on a target, which must be there. */
  const newest = async (action: string, targetId: string | null): Promise<Entry> => {
    const list = await trail(`?action=${action}&limit=1000`);
    const found = list.find((e) => e.target.id === targetId);
    expect(found, `${action} on ${targetId} in ${JSON.stringify(list)}`).toBeDefined();
    return found!;
  };
  const expectTime = (entry: Entry, from: number, to: number) => {
    const at = Date.parse(entry.at);
    // PostgreSQL's clock and the test's may differ by a little.
    expect(at).toBeGreaterThanOrEqual(from - 1000);
    expect(at).toBeLessThanOrEqual(to + 1000);
  };
  const submit = async (company: string) => {
    const r = await fetchParsed(`${server.url}/onboarding/api/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...FORM, company, keySource: 'pasted', publicKey: generateKeyPair('ES256').publicKey }),
    });
    expect(r.status, r.text).toBe(201);
    return r.body.applicationId as string;
  };

  it('records application decisions and consumer management with the actor (token, session, applicant)', async () => {
    const from = Date.now();
    const approvedId = await submit(`Approved ${dialect} GmbH`);
    const approved = await admin.post(`/admin/api/applications/${approvedId}/approve`, { consumerId: 'onboarded' });
    expect(approved.status, approved.text).toBe(200);

    // A page session rejects another one.
    const signIn = await fetchParsed(`${server.url}/admin/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: TEST_ADMIN_TOKEN }),
    });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const session = { cookie, 'x-csrf-token': signIn.body.csrfToken as string };
    const rejectedId = await submit(`Rejected ${dialect} GmbH`);
    const rejected = await fetchParsed(`${server.url}/admin/api/applications/${rejectedId}/reject`, {
      method: 'POST',
      headers: { ...session, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'Not licensed.' }),
    });
    expect(rejected.status, rejected.text).toBe(200);

    expect((await admin.post('/admin/api/consumers/audited/status', { status: 'disabled' })).status).toBe(200);
    expect((await admin.post('/admin/api/consumers/audited/status', { status: 'active' })).status).toBe(200);
    const key = await admin.post('/admin/api/consumers/audited/keys', {
      publicKey: generateKeyPair('EdDSA').publicKey,
    });
    expect(key.status, key.text).toBe(201);
    expect((await admin.send('DELETE', `/admin/api/consumers/audited/keys/${key.body.kid}`)).status).toBe(204);
    const rotated = await admin.post('/admin/api/consumers/audited/callback-secret');
    expect(rotated.status).toBe(200);
    const to = Date.now();

    const submitted = await newest('application.submitted', approvedId);
    expect(submitted.actor).toEqual({ kind: 'onboarding', name: approvedId, address: null });
    const token = { kind: 'admin-token', name: 'ADMIN_TOKEN', address: '127.0.0.1' };
    const decided = await newest('application.approved', approvedId);
    expect(decided).toMatchObject({ actor: token, detail: { consumerId: 'onboarded' } });
    const added = await newest('consumer.added', 'onboarded');
    expect(added).toMatchObject({ actor: token, target: { type: 'consumer' } });
    // One transaction: the approval and the consumer it registered have the same time.
    expect(added.at).toBe(decided.at);
    const rejection = await newest('application.rejected', rejectedId);
    expect(rejection.actor.kind).toBe('session');
    expect(rejection.actor.name).toMatch(/^session [0-9a-f]{12}$/);
    expect(rejection.detail).toMatchObject({ reason: 'Not licensed.' });
    expect(rejection.actor.name).not.toContain(cookie.split('=')[1]!.slice(0, 12));

    const disabled = await newest('consumer.disabled', 'audited');
    expect(disabled).toMatchObject({ actor: token, detail: { from: 'active', to: 'disabled' } });
    expect((await newest('consumer.enabled', 'audited')).detail).toEqual({ from: 'disabled', to: 'active' });
    expect((await newest('consumer.key-added', 'audited')).detail).toMatchObject({ kid: key.body.kid, alg: 'EdDSA' });
    expect((await newest('consumer.key-removed', 'audited')).detail).toEqual({ kid: key.body.kid });
    const rotation = await newest('consumer.callback-secret-rotated', 'audited');
    expect(JSON.stringify(rotation)).not.toContain(rotated.body.callbackSecret);
    for (const entry of [submitted, decided, added, rejection, disabled, rotation]) expectTime(entry, from, to);

    // Newest first.
    const all = await trail('?target-id=audited');
    expect(all.map((e) => e.action).slice(0, 5)).toEqual([
      'consumer.callback-secret-rotated',
      'consumer.key-removed',
      'consumer.key-added',
      'consumer.enabled',
      'consumer.disabled',
    ]);
  });

  it('records imports, statuses set and documents attached by the provider', async () => {
    const from = Date.now();
    const imported = await admin.send('POST', '/admin/api/records', {
      body: ndjson([
        {
          recordType: 'contract',
          id: `c-audit-${dialect}`,
          consumerId: 'audited',
          holderId: basics.clientId,
          productId: basics.productId,
          status: 120,
        },
      ]),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(imported.status, imported.text).toBe(200);
    const status = await admin.post(`/admin/api/contracts/c-audit-${dialect}/status`, {
      status: 130,
      statusNote: 'Proposal ready.',
    });
    expect(status.status, status.text).toBe(200);
    const attached = await admin.send('POST', `/admin/api/contracts/c-audit-${dialect}/files`, {
      body: fileForm(
        { bytes: uniquePdf(), type: 'application/pdf', name: 'proposal.pdf' },
        {
          category: 'proposal',
          asProposal: 'true',
        },
      ),
    });
    expect(attached.status, attached.text).toBe(201);
    const to = Date.now();

    const importEntry = (await trail('?action=records.imported&limit=1'))[0]!;
    expect(importEntry).toMatchObject({
      actor: { kind: 'admin-token' },
      target: { type: 'import', id: null },
      detail: { lines: 1, created: 1, consumerIds: ['audited'] },
    });
    const statusEntry = await newest('contract.status-set', `c-audit-${dialect}`);
    expect(statusEntry).toMatchObject({
      actor: { kind: 'admin-token' },
      detail: { consumerId: 'audited', from: 120, to: 130, statusNote: 'Proposal ready.' },
    });
    const fileEntry = await newest('contract.file-attached', `c-audit-${dialect}`);
    expect(fileEntry.detail).toMatchObject({
      fileId: attached.body.file.id,
      category: 'proposal',
      name: 'proposal.pdf',
      mimeType: 'application/pdf',
      asProposal: true,
    });
    for (const entry of [importEntry, statusEntry, fileEntry]) expectTime(entry, from, to);

    // Filters: by target, kind of target, actor, time.
    const onContract = await trail(`?target-type=contract&target-id=c-audit-${dialect}`);
    expect(onContract.map((e) => e.action)).toEqual(['contract.file-attached', 'contract.status-set']);
    // The test helper registered the consumer as `consumer add` would.
    expect((await trail(`?actor-kind=cli`)).map((e) => [e.action, e.target.id])).toEqual([
      ['consumer.added', 'audited'],
    ]);
    expect(await trail(`?since=${new Date(to + 60_000).toISOString()}`)).toEqual([]);
    const until = await trail(`?until=${new Date(from - 60_000).toISOString()}&target-type=contract`);
    expect(until).toEqual([]);
    expect(await trail('?limit=2')).toHaveLength(2);
  });

  it.each([
    ['action=consumer.deleted', 'action'],
    ['actor-kind=robot', 'actor-kind'],
    ['target-type=file', 'target-type'],
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['since=yesterday', 'since'],
    ['until=2026-13-01T00:00:00Z', 'until'],
    ['target-id=a&target-id=b', 'target-id'],
  ])('answers a bad filter (%s) with a problem naming it', async (query, field) => {
    const r = await admin.get(`/admin/api/audit?${query}`);
    expectProblem(r, 400, 'invalid-parameter');
    expect(r.body.detail).toContain(field);
  });

  it('refuses the trail without the admin token', async () => {
    expectProblem(await fetchParsed(`${server.url}/admin/api/audit`), 401, 'unauthorized');
  });

  it('writes nothing for a refused action, and no action happens without its entry', async () => {
    const count = async () => (await trail('?limit=1000')).length;
    const before = await count();
    expect((await admin.send('DELETE', '/admin/api/consumers/audited/keys/no-such-kid')).status).toBe(404);
    expect((await admin.post('/admin/api/consumers/nobody/status', { status: 'disabled' })).status).toBe(404);
    expect((await admin.post('/admin/api/contracts/no-such/status', { status: 130 })).status).toBe(404);
    expect(await count()).toBe(before);

    // The entry cannot be written: the action is rolled back with it.
    await rawSql(server.db, 'alter table audit_log rename to audit_log_away');
    try {
      const refused = await admin.post('/admin/api/consumers/audited/status', { status: 'disabled' });
      expect(refused.status).toBe(500);
    } finally {
      await rawSql(server.db, 'alter table audit_log_away rename to audit_log');
    }
    expect((await server.store.consumer('audited'))?.status).toBe('active');
    expect(await count()).toBe(before);
  });
});

describe.each(inject('dialects'))('audit trail of the CLI (%s)', (dialect) => {
  let db: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    env = { ...db.env, PUBLIC_URL: 'https://syncapi.test', ALLOW_PRIVATE_CALLBACKS: 'true' };
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('records consumer add, disable and enable, import, status and attach with the OS user', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'finum-audit-cli-'));
    try {
      const write = (name: string, content: string | Uint8Array) => {
        writeFileSync(join(dir, name), content);
        return join(dir, name);
      };
      const pem = write('key.pem', generateKeyPair('ES256').publicKey);
      const from = Date.now();
      await runCliJson(['consumer', 'add', '--id', 'cli-audited', '--public-key', pem], env);
      await runCliJson(['consumer', 'disable', '--id', 'cli-audited'], env);
      await runCliJson(['consumer', 'enable', '--id', 'cli-audited'], env);
      const lines = [
        { recordType: 'product', id: 'p-cli-audit', name: 'P', category: 'other', requiredFields: [] },
        { recordType: 'client', id: 'cl-cli-audit', consumerId: 'cli-audited', type: 'person', lastName: 'K' },
        {
          recordType: 'contract',
          id: 'c-cli-audit',
          consumerId: 'cli-audited',
          holderId: 'cl-cli-audit',
          productId: 'p-cli-audit',
          status: 230,
        },
      ];
      await runCliJson(['import', '--file', write('records.ndjson', ndjson(lines))], env);
      await runCliJson(
        ['contract', 'status', '--id', 'c-cli-audit', '--status', '320', '--contract-number', 'P-1'],
        env,
      );
      await runCliJson(
        [
          'contract',
          'attach',
          '--id',
          'c-cli-audit',
          '--file',
          write('policy.pdf', uniquePdf()),
          '--category',
          'policy',
        ],
        env,
      );
      const to = Date.now();

      const list = await runCliJson<Entry[]>(['audit', '--actor', 'cli'], env);
      expect(list.map((e) => e.action)).toEqual([
        'contract.file-attached',
        'contract.status-set',
        'records.imported',
        'consumer.enabled',
        'consumer.disabled',
        'consumer.added',
      ]);
      for (const entry of list) {
        expect(entry.actor).toEqual({ kind: 'cli', name: CLI_USER, address: null });
        expect(Date.parse(entry.at)).toBeGreaterThanOrEqual(from - 1000);
        expect(Date.parse(entry.at)).toBeLessThanOrEqual(to + 1000);
      }
      expect(list[1]!.detail).toMatchObject({ from: 230, to: 320 });
      expect(list[2]!.detail).toMatchObject({ lines: 3, created: 3, source: 'records.ndjson' });
      expect(list[3]!.target).toEqual({ type: 'consumer', id: 'cli-audited' });

      const onContract = await runCliJson<Entry[]>(['audit', '--target', 'c-cli-audit', '--limit', '1'], env);
      expect(onContract.map((e) => e.action)).toEqual(['contract.file-attached']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad filter with one line on stderr, exit 2', async () => {
    const r = await runCli(['audit', '--action', 'consumer.deleted'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--action');
  });

  it('the server logs every action once it is committed', async () => {
    const pem = join(db.dataDir, 'log-key.pem');
    (await import('node:fs')).writeFileSync(pem, generateKeyPair('ES256').publicKey);
    await runCliJson(['consumer', 'add', '--id', 'logged', '--public-key', pem], env);
    const serve = await spawnServer({ ...db.env, ADMIN_TOKEN: TEST_ADMIN_TOKEN });
    try {
      const r = await fetchParsed(`${serve.url}/admin/api/consumers/logged/status`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'disabled' }),
      });
      expect(r.status).toBe(200);
      await serve.waitForOutput(/"msg":"audit: consumer\.disabled"/);
      const line = serve
        .output()
        .split('\n')
        .find((l) => l.includes('"audit: consumer.disabled"'))!;
      expect(JSON.parse(line)).toMatchObject({
        component: 'audit',
        audit: {
          action: 'consumer.disabled',
          actor: { kind: 'admin-token' },
          target: { type: 'consumer', id: 'logged' },
        },
      });
    } finally {
      await serve.kill();
    }
  });
});

describe.each(inject('dialects'))('the demo consumer in the audit trail (%s)', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, demo: true, env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
  });
  afterAll(async () => server?.close());

  it('records the demo consumer seeded at start as added by the system, once', async () => {
    const entries = (await adminApi(server).get('/admin/api/audit?target-id=demo&action=consumer.added')).body;
    expect(entries).toMatchObject([
      { actor: { kind: 'system', name: 'demo' }, action: 'consumer.added', target: { type: 'consumer', id: 'demo' } },
    ]);
  });
});
