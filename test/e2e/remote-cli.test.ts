import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { main } from '../../packages/cli/dist/main.js';
import { runCli } from '../../packages/cli/test/run-cli.js';
import { TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { verifiedPayload } from '../helpers/callbacks.js';
import { uniquePdf } from '../helpers/documents.js';
import { spawnServer } from '../helpers/serve-process.js';
import { createTestDatabase, TEST_AUDIENCE } from '../helpers/server.js';

/**
 * Issue 15 item 6: the provider's commands of `finum-sync` against a running server
 * (`--server`/`--admin-token` or FINUM_SERVER_URL/FINUM_ADMIN_TOKEN), through `/admin/api` —
 * the CLI runs in a directory with no database and no database configuration, so what it
 * shows can only come from the server.
 */

/** A port nothing listens on (taken from the system, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs the CLI in-process as on a terminal: what a person sees. */
async function onTerminal(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { env, out: (t) => out.push(t), err: (t) => err.push(t), isTTY: true });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe.concurrent('remote CLI', () => {
  it.each(inject('dialects'))(
    'runs the back-office commands against a running server (%s)',
    { timeout: 300_000 },
    async (dialect) => {
      const db = await createTestDatabase(dialect);
      const receiver = await new CallbackReceiver().start();
      const server = await spawnServer({ ...db.env, ADMIN_TOKEN: TEST_ADMIN_TOKEN, ALLOW_PRIVATE_CALLBACKS: 'true' });
      // No DATA_DIR, no DATABASE_URL, a fresh directory: a local run would see an empty database.
      const cwd = mkdtempSync(join(tmpdir(), 'finum-remote-cli-'));
      const viaEnv = { FINUM_SERVER_URL: server.url, FINUM_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
      const viaFlags = ['--server', server.url, '--admin-token', TEST_ADMIN_TOKEN];
      const cli = async (args: string[], stdin?: string) => {
        const result = await runCli(args, viaEnv, cwd, stdin);
        if (result.code !== 0) throw new Error(`finum-sync ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
        return JSON.parse(result.stdout);
      };
      try {
        const keys = await runCli(['keys', 'generate', '--out', join(cwd, 'acme')], {}, cwd);
        expect(keys.code, keys.stderr).toBe(0);
        const credentials = await cli([
          'consumer',
          'add',
          '--id',
          'remote-acme',
          '--public-key',
          join(cwd, 'acme.public.pem'),
          '--callback-url',
          receiver.url,
          ...viaFlags,
        ]);
        expect(credentials).toEqual({
          consumerId: 'remote-acme',
          payload: { sub: 'remote-acme', aud: TEST_AUDIENCE },
          callbackSecret: expect.stringMatching(/^whsec_/),
        });
        const consumers = await cli(['consumer', 'list']);
        expect(consumers).toEqual([
          expect.objectContaining({ id: 'remote-acme', status: 'active', callbackUrl: receiver.url }),
        ]);
        expect(consumers[0].keys).toEqual([{ kid: expect.any(String), alg: 'ES256', createdAt: expect.any(String) }]);

        const lines = [
          { recordType: 'product', id: 'p-remote', name: 'Remote', category: 'other', requiredFields: [] },
          { recordType: 'client', id: 'cl-remote', consumerId: 'remote-acme', type: 'person', lastName: 'Fern' },
        ];
        writeFileSync(join(cwd, 'records.ndjson'), lines.map((l) => JSON.stringify(l)).join('\n'));
        expect(await cli(['import', '--file', join(cwd, 'records.ndjson')])).toMatchObject({ lines: 2, created: 2 });
        const contract = {
          recordType: 'contract',
          id: 'c-remote',
          consumerId: 'remote-acme',
          holderId: 'cl-remote',
          productId: 'p-remote',
          status: 120,
        };
        expect(await cli(['import', '--file', '-'], JSON.stringify(contract))).toMatchObject({ lines: 1, created: 1 });

        const awaiting = await cli(['contract', 'awaiting', '--consumer', 'remote-acme']);
        expect(awaiting.map((c: { id: string; status: number }) => [c.id, c.status])).toEqual([['c-remote', 120]]);

        writeFileSync(join(cwd, 'proposal.pdf'), uniquePdf());
        const attached = await cli([
          'contract',
          'attach',
          '--id',
          'c-remote',
          '--file',
          join(cwd, 'proposal.pdf'),
          '--category',
          'proposal',
          '--proposal',
        ]);
        expect(attached.file).toMatchObject({
          name: 'proposal.pdf',
          mimeType: 'application/pdf',
          category: 'proposal',
        });
        expect(attached.contract).toMatchObject({ id: 'c-remote', proposalFileId: attached.file.id });

        const changed = await cli(['contract', 'status', '--id', 'c-remote', '--status', '130', '--note', 'Ready']);
        expect(changed).toMatchObject({ id: 'c-remote', status: 130, statusNote: 'Ready' });
        const callback = await receiver.next();
        expect(verifiedPayload(callback, credentials.callbackSecret)).toMatchObject({
          contractId: 'c-remote',
          status: 130,
          previousStatus: 120,
        });
        expect(await cli(['contract', 'awaiting'])).toEqual([]);

        const deliveries = await cli(['deliveries', '--contract', 'c-remote', '--kind', 'standing']);
        expect(deliveries).toEqual([
          expect.objectContaining({ contractId: 'c-remote', kind: 'standing', url: receiver.url }),
        ]);

        expect(await cli(['consumer', 'disable', '--id', 'remote-acme'])).toEqual({
          consumerId: 'remote-acme',
          status: 'disabled',
        });
        expect(await cli(['consumer', 'enable', '--id', 'remote-acme', ...viaFlags])).toEqual({
          consumerId: 'remote-acme',
          status: 'active',
        });

        // On a terminal: tables, and `--json` still gives JSON.
        const table = await onTerminal(['consumer', 'list'], viaEnv);
        expect(table.code, table.stderr).toBe(0);
        expect(table.stdout.split('\n')[0]).toMatch(/^id\s+name\s+status\s+keys\s+callbackUrl\s+created$/);
        expect(table.stdout).toMatch(/^remote-acme\s+remote-acme\s+active\s+/m);
        const listed = await onTerminal(['deliveries', '--contract', 'c-remote'], viaEnv);
        expect(listed.stdout).toMatch(/^created\s+kind\s+state\s+event/);
        expect(listed.stdout).toMatch(
          /standing\s+delivered\s+contract\.status-changed\s+remote-acme\s+c-remote\s+1\s+204/,
        );
        const json = await onTerminal(['consumer', 'list', '--json'], viaEnv);
        expect(JSON.parse(json.stdout)[0].id).toBe('remote-acme');

        // The server's refusals: one line on stderr, exit 2.
        const notFound = await runCli(['contract', 'status', '--id', 'c-none', '--status', '130'], viaEnv, cwd);
        expect(notFound.code).toBe(2);
        expect(notFound.stderr.trim().split('\n')).toHaveLength(1);
        expect(notFound.stderr).toMatch(/^finum-sync contract status: .*c-none/);
        writeFileSync(join(cwd, 'bad.ndjson'), '{"recordType":"contract","id":"c-bad","consumerId":"remote-acme"}\n');
        const badImport = await runCli(['import', '--file', join(cwd, 'bad.ndjson')], viaEnv, cwd);
        expect(badImport.code).toBe(2);
        expect(badImport.stderr).toMatch(/line 1: /);
        expect(await cli(['contract', 'awaiting'])).toEqual([]);
      } finally {
        await server.kill('SIGTERM');
        await receiver.stop();
        await db.drop();
        rmSync(cwd, { recursive: true, force: true });
      }
    },
  );

  it.each(inject('dialects').flatMap((dialect) => [`${dialect} remote`, `${dialect} local`]))(
    'runs the administration commands: applications, keys, callback secret, endpoints, redelivery (%s)',
    { timeout: 300_000 },
    async (mode) => {
      const [dialect, where] = mode.split(' ') as ['sqlite' | 'postgres', 'remote' | 'local'];
      const db = await createTestDatabase(dialect);
      const server = await spawnServer({ ...db.env, ADMIN_TOKEN: TEST_ADMIN_TOKEN, ALLOW_PRIVATE_CALLBACKS: 'true' });
      const cwd = mkdtempSync(join(tmpdir(), 'finum-admin-cli-'));
      // Remote: through the server, from a directory with no database; local: on the database itself.
      const env: Record<string, string> =
        where === 'remote'
          ? { FINUM_SERVER_URL: server.url, FINUM_ADMIN_TOKEN: TEST_ADMIN_TOKEN }
          : { ...db.env, ALLOW_PRIVATE_CALLBACKS: 'true' };
      const cli = async (args: string[]) => {
        const result = await runCli([...args, '--json'], env, cwd);
        if (result.code !== 0) throw new Error(`finum-sync ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
        return JSON.parse(result.stdout);
      };
      const refused = async (args: string[]) => {
        const result = await runCli(args, env, cwd);
        expect(result.code, result.stdout).toBe(2);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        return result.stderr;
      };
      try {
        // An application, submitted as an applicant would.
        const submit = async (company: string) => {
          const response = await fetch(`${server.url}/onboarding/api/applications`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              company,
              contactName: 'Anna Huber',
              email: 'anna@acme.example',
              phone: '+43 1 234 5678',
              intendedUse: 'Nightly sync of our clients\u2019 contracts.',
              keySource: 'provider',
            }),
          });
          expect(response.status).toBe(201);
          return ((await response.json()) as { applicationId: string }).applicationId;
        };
        const [approveId, rejectId] = [await submit('Acme Broker'), await submit('Other Broker')];
        const pending = await cli(['application', 'list', '--status', 'pending']);
        expect(pending.map((a: { id: string }) => a.id).sort()).toEqual([approveId, rejectId].sort());
        expect(await cli(['application', 'approve', '--id', approveId, '--consumer-id', 'cli-acme'])).toEqual({
          applicationId: approveId,
          status: 'approved',
          consumerId: 'cli-acme',
        });
        expect(await cli(['application', 'reject', '--id', rejectId, '--reason', 'No licence'])).toEqual({
          applicationId: rejectId,
          status: 'rejected',
        });
        expect(await refused(['application', 'approve', '--id', rejectId, '--consumer-id', 'late'])).toMatch(
          /^finum-sync application approve: /,
        );

        // Keys: add a second one, remove it; a new callback secret.
        const keys = await runCli(['keys', 'generate', '--out', join(cwd, 'next')], {}, cwd);
        expect(keys.code, keys.stderr).toBe(0);
        const added = await cli([
          'consumer',
          'key-add',
          '--id',
          'cli-acme',
          '--public-key',
          join(cwd, 'next.public.pem'),
        ]);
        expect(added).toMatchObject({ consumerId: 'cli-acme', kid: expect.any(String) });
        const withTwo = (await cli(['consumer', 'list'])).find((c: { id: string }) => c.id === 'cli-acme');
        expect(withTwo.keys.map((k: { kid: string }) => k.kid)).toContain(added.kid);
        expect(withTwo.keys).toHaveLength(2);
        expect(await cli(['consumer', 'key-remove', '--id', 'cli-acme', `--kid=${added.kid}`])).toEqual({
          consumerId: 'cli-acme',
          removedKid: added.kid,
        });
        expect(await refused(['consumer', 'key-remove', '--id', 'cli-acme', `--kid=${added.kid}`])).toMatch(/no key/i);
        const rotated = await cli(['consumer', 'rotate-secret', '--id', 'cli-acme']);
        expect(rotated.callbackSecret).toMatch(/^whsec_/);

        // Provider event endpoints.
        const endpoint = await cli(['endpoint', 'add', '--url', 'http://127.0.0.1:9/events', '--description', 'core']);
        expect(endpoint).toMatchObject({ url: 'http://127.0.0.1:9/events', secret: expect.stringMatching(/^whsec_/) });
        expect((await cli(['endpoint', 'list'])).map((e: { id: string }) => e.id)).toEqual([endpoint.id]);
        const newSecret = await cli(['endpoint', 'rotate-secret', '--id', endpoint.id]);
        expect(newSecret.secret).not.toBe(endpoint.secret);
        expect(await cli(['endpoint', 'remove', '--id', endpoint.id])).toEqual({ removed: endpoint.id });
        expect(await cli(['endpoint', 'list'])).toEqual([]);

        // Redelivery: only of a failed or gone delivery.
        expect(await refused(['deliveries', 'redeliver', '--id', 'no-such-delivery'])).toMatch(/no-such-delivery/);

        // Every action is in the audit trail, by the CLI (local) or the admin token (remote).
        const actions = (await cli(['audit', '--limit', '50'])).map(
          (e: { action: string; actor: { kind: string } }) => [e.action, e.actor.kind],
        );
        const actor = where === 'remote' ? 'admin-token' : 'cli';
        for (const action of [
          'application.approved',
          'application.rejected',
          'consumer.key-added',
          'consumer.key-removed',
          'consumer.callback-secret-rotated',
          'provider-endpoint.added',
          'provider-endpoint.secret-rotated',
          'provider-endpoint.removed',
        ])
          expect(actions).toContainEqual([action, actor]);
      } finally {
        await server.kill('SIGTERM');
        await db.drop();
        rmSync(cwd, { recursive: true, force: true });
      }
    },
  );

  it('says in one line on stderr, exit 2, when the server URL or the admin token is wrong', {
    timeout: 120_000,
  }, async () => {
    const db = await createTestDatabase('sqlite');
    const server = await spawnServer({ ...db.env, ADMIN_TOKEN: TEST_ADMIN_TOKEN });
    const cwd = mkdtempSync(join(tmpdir(), 'finum-remote-cli-'));
    try {
      const port = await closedPort();
      const cases: Array<[string[], Record<string, string>, RegExp]> = [
        [
          ['consumer', 'list', '--server', server.url, '--admin-token', 'wrong-token-0123456789'],
          {},
          /refused the admin token \(401\)/,
        ],
        [['consumer', 'list'], { FINUM_SERVER_URL: server.url }, /--server needs the admin token/],
        [['contract', 'awaiting', '--server', 'not a url', '--admin-token', 'x'], {}, /is not an absolute URL/],
        [
          ['deliveries'],
          { FINUM_SERVER_URL: `http://127.0.0.1:${port}`, FINUM_ADMIN_TOKEN: TEST_ADMIN_TOKEN },
          /cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/,
        ],
        [
          ['import', '--file', '-', '--server', `${server.url}/elsewhere`, '--admin-token', TEST_ADMIN_TOKEN],
          {},
          /No endpoint POST \/elsewhere\/admin\/api\/records/,
        ],
        [['consumer', 'list', '--admin-token', TEST_ADMIN_TOKEN], {}, /--admin-token needs --server/],
      ];
      for (const [args, env, message] of cases) {
        const result = await runCli(args, env, cwd, '');
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
        expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1);
        expect(result.stderr).toMatch(message);
        expect(result.stdout).toBe('');
      }
      // Nothing fell back to a local database in the working directory.
      expect(() => readFileSync(join(cwd, 'data', 'finum.db'))).toThrow();
    } finally {
      await server.kill('SIGTERM');
      await db.drop();
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('suggests the command or option meant when one is mistyped', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['contract', 'stauts', '--id', 'c-1'], /Did you mean 'finum-sync contract status'\?/],
      [['consumr', 'list'], /Did you mean 'finum-sync consumer list'\?/],
      [['improt', '--file', 'x'], /Did you mean 'finum-sync import'\?/],
      [['deliveries', '--sever', 'http://localhost'], /did you mean --server\?/],
    ];
    for (const [args, message] of cases) {
      const result = await onTerminal(args, {});
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
    expect((await onTerminal(['frobnicate'], {})).stderr).not.toMatch(/did you mean/i);
  });
});
