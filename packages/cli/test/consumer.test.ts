import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ServerProcess, spawnServer } from '../../../test/helpers/serve-process.js';
import { createTestDatabase, TEST_AUDIENCE, type TestDatabase } from '../../../test/helpers/server.js';
import { runCli, runCliJson } from './run-cli.js';

const dialects = inject('dialects');

describe.each(dialects)('consumers through the CLI on %s', (dialect) => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let dir: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    env = { ...db.env, PUBLIC_URL: TEST_AUDIENCE };
    dir = mkdtempSync(join(tmpdir(), 'finum-cli-consumer-'));
  });
  afterAll(async () => {
    await server?.kill('SIGKILL');
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const authStatus = async (token: string) => {
    const response = await fetch(`${server!.url}/v1/auth-status`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const token = async (payload: unknown, key: string) => {
    const result = await runCli(['token', '--payload', JSON.stringify(payload), '--key', key]);
    expect(result.code).toBe(0);
    return result.stdout.trim();
  };

  it('keys generate → consumer add → token → auth-status 200; disable and enable act on the running server', async () => {
    const prefix = join(dir, 'acme');
    expect((await runCli(['keys', 'generate', '--alg', 'EdDSA', '--out', prefix])).code).toBe(0);

    const added = await runCli(
      ['consumer', 'add', '--id', 'acme-broker', '--public-key', `${prefix}.public.pem`, '--name', 'ACME Broker'],
      env,
    );
    expect(added.code).toBe(0);
    const credentials = JSON.parse(added.stdout);
    expect(Object.keys(credentials)).toEqual(['consumerId', 'payload', 'callbackSecret']);
    expect(credentials.consumerId).toBe('acme-broker');
    expect(credentials.payload).toEqual({ sub: 'acme-broker', aud: TEST_AUDIENCE });
    expect(credentials.callbackSecret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);

    server = await spawnServer(env);
    const jwt = await token(credentials.payload, `${prefix}.private.pem`);
    const ok = await authStatus(jwt);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ authenticated: true, consumerId: 'acme-broker' });

    // Another process changes the consumer; the server sees it on the very next request (on
    // PostgreSQL within REVISION_KEPT_MS of the commit, shorter than the CLI takes to exit).
    expect(await runCliJson(['consumer', 'disable', '--id', 'acme-broker'], env)).toEqual({
      consumerId: 'acme-broker',
      status: 'disabled',
    });
    const refused = await authStatus(jwt);
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/unknown consumer or bad signature/i);

    await runCliJson(['consumer', 'enable', '--id', 'acme-broker'], env);
    expect((await authStatus(jwt)).status).toBe(200);

    // A consumer added while the server runs is accepted at once too.
    const second = join(dir, 'second');
    await runCli(['keys', 'generate', '--alg', 'RS256', '--out', second]);
    const added2 = await runCliJson<{ payload: unknown }>(
      ['consumer', 'add', '--id', 'second-broker', '--public-key', `${second}.public.pem`, '--kid', 'k-2026'],
      env,
    );
    expect((await authStatus(await token(added2.payload, `${second}.private.pem`))).body.consumerId).toBe(
      'second-broker',
    );

    expect((await server.kill('SIGTERM')).code).toBe(0);
    server = undefined;
  });

  it('registers with the audience of the server on the database, not one guessed from its own environment', async () => {
    // A server on its own database with its own PUBLIC_URL (not the default http://localhost:8080).
    const other = await createTestDatabase(dialect);
    const serverAudience = 'https://syncapi.other-port.test';
    const running = await spawnServer({ ...other.env, PUBLIC_URL: serverAudience });
    try {
      const prefix = join(dir, 'aud');
      await runCli(['keys', 'generate', '--alg', 'ES256', '--out', prefix]);
      const check = async (payload: unknown) => {
        const response = await fetch(`${running.url}/v1/auth-status`, {
          headers: { authorization: `Bearer ${await token(payload, `${prefix}.private.pem`)}` },
        });
        return response.status;
      };

      // The administrator's shell has no PUBLIC_URL at all: the server's audience all the same, silently.
      const plain = await runCli(['consumer', 'add', '--id', 'aud-plain', '--public-key', `${prefix}.public.pem`], {
        ...other.env,
      });
      expect(plain.code, plain.stderr).toBe(0);
      expect(plain.stderr).toBe('');
      const plainCredentials = JSON.parse(plain.stdout);
      expect(plainCredentials.payload).toEqual({ sub: 'aud-plain', aud: serverAudience });
      expect(await check(plainCredentials.payload)).toBe(200);

      // A PUBLIC_URL here that differs: the server's audience, and a line on stderr that says so.
      const differing = await runCli(
        ['consumer', 'add', '--id', 'aud-differing', '--public-key', `${prefix}.public.pem`],
        { ...other.env, PUBLIC_URL: 'http://localhost:8080' },
      );
      expect(differing.code, differing.stderr).toBe(0);
      expect(JSON.parse(differing.stdout).payload.aud).toBe(serverAudience);
      expect(differing.stderr).toMatch(/http:\/\/localhost:8080.*https:\/\/syncapi\.other-port\.test/);
      expect(await check(JSON.parse(differing.stdout).payload)).toBe(200);
    } finally {
      await running.kill('SIGTERM');
      await other.drop();
    }
  });

  it('says so when no server has started on the database yet', async () => {
    const fresh = await createTestDatabase(dialect);
    try {
      const prefix = join(dir, 'fresh');
      await runCli(['keys', 'generate', '--alg', 'ES256', '--out', prefix]);
      const added = await runCli(['consumer', 'add', '--id', 'early', '--public-key', `${prefix}.public.pem`], {
        ...fresh.env,
        PUBLIC_URL: TEST_AUDIENCE,
      });
      expect(added.code, added.stderr).toBe(0);
      expect(JSON.parse(added.stdout).payload.aud).toBe(TEST_AUDIENCE);
      expect(added.stderr).toMatch(/no server has started on this database yet.*https:\/\/syncapi\.test/);
    } finally {
      await fresh.drop();
    }
  });

  it('consumer list shows consumers, their status and keys, and no secrets', async () => {
    const list = await runCliJson<Record<string, unknown>[]>(['consumer', 'list'], env);
    expect(list.map((c) => c.id)).toEqual(['acme-broker', 'second-broker']);
    expect(list[0]).toMatchObject({ name: 'ACME Broker', status: 'active', callbackUrl: null });
    expect(list[1]).toMatchObject({ status: 'active', keys: [{ kid: 'k-2026', alg: 'RS256' }] });
    expect(JSON.stringify(list)).not.toMatch(/whsec_|callbackSecret|PRIVATE|PUBLIC KEY/);
  });

  it('refuses a duplicate id, a private key, a bad id and an unknown consumer with exit 2 and one line', async () => {
    const prefix = join(dir, 'acme');
    const cases: [string[], RegExp][] = [
      [['consumer', 'add', '--id', 'acme-broker', '--public-key', `${prefix}.public.pem`], /exists already/],
      [['consumer', 'add', '--id', 'other', '--public-key', `${prefix}.private.pem`], /private key/],
      [['consumer', 'add', '--id', 'bad id!', '--public-key', `${prefix}.public.pem`], /consumer id is 1–64/],
      [['consumer', 'add', '--id', 'x', '--public-key', `${prefix}.public.pem`, '--alg', 'ES256'], /does not fit/],
      [['consumer', 'add', '--id', 'x', '--public-key', `${prefix}.public.pem`, '--callback-url', 'ftp://x'], /https/],
      [['consumer', 'disable', '--id', 'nobody'], /No consumer 'nobody'/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
    expect((await runCliJson<unknown[]>(['consumer', 'list'], env)).length).toBe(2);
  });
});
