import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, decodeJwt, decodeProtectedHeader, importSPKI } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

/** A failure of bad input: exit 2, one line on stderr, nothing on stdout, no stack trace. */
function expectInputError(result: { code: number | null; stdout: string; stderr: string }, message: RegExp) {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'finum-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('finum-sync usage', () => {
  it('lists every command with --help, and exits 2 with the usage on stderr without a command', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'serve',
      'keys generate',
      'token',
      'consumer add',
      'consumer list',
      'consumer disable',
      'seed',
    ]) {
      expect(help.stdout).toContain(`  ${command} `);
    }
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage: finum-sync <command>');
  });

  it.each([
    ['serve'],
    ['keys', 'generate'],
    ['token'],
    ['consumer', 'add'],
    ['consumer', 'list'],
    ['consumer', 'disable'],
    ['consumer', 'enable'],
    ['seed'],
  ])('has --help for %s %s', async (...path) => {
    const result = await runCli([...path.filter(Boolean), '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: finum-sync ${path.filter(Boolean).join(' ')}\\b`));
    expect(result.stdout).toContain('-h, --help');
  });

  it('refuses unknown commands, unknown options and stray arguments with exit 2 and one line', async () => {
    expectInputError(await runCli(['frobnicate']), /unknown command 'frobnicate'/);
    expectInputError(await runCli(['keys', 'generate', '--bogus']), /Unknown option '--bogus'.*--help/);
    expectInputError(await runCli(['token', 'extra', '--payload', '{}', '--key', 'k']), /unexpected argument 'extra'/);
    expectInputError(await runCli(['consumer', 'disable']), /--id is required/);
    const group = await runCli(['consumer']);
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('consumer add');
  });

  it('serve reports every wrong variable of the configuration and exits 2', async () => {
    const result = await runCli(['serve'], { PORT: 'eighty', RATE_LIMIT: '-1', DATA_DIR: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^ {2}- PORT: .*'eighty'/m);
    expect(result.stderr).toMatch(/^ {2}- RATE_LIMIT: .*'-1'/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('finum-sync keys generate', () => {
  it.each(['ES256', 'EdDSA', 'RS256', 'PS256'] as const)(
    'writes a %s key pair: private 0600, public SPKI',
    async (alg) => {
      const prefix = join(dir, `key-${alg}`);
      const result = await runCli(['keys', 'generate', '--alg', alg, '--out', prefix]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`${prefix}.private.pem`);
      expect(result.stdout).toContain(`${prefix}.public.pem`);
      expect(statSync(`${prefix}.private.pem`).mode & 0o777).toBe(0o600);
      const privatePem = readFileSync(`${prefix}.private.pem`, 'utf8');
      const publicPem = readFileSync(`${prefix}.public.pem`, 'utf8');
      expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
      // The public file holds the public half of the private key.
      expect(createPublicKey(privatePem).export({ type: 'spki', format: 'pem' })).toBe(publicPem);
    },
  );

  it('writes ./finum-key.* by default and never overwrites', async () => {
    const cwd = mkdtempSync(join(dir, 'default-'));
    expect((await runCli(['keys', 'generate'], {}, cwd)).code).toBe(0);
    const before = readFileSync(join(cwd, 'finum-key.private.pem'), 'utf8');
    expectInputError(await runCli(['keys', 'generate'], {}, cwd), /finum-key\.private\.pem exists already/);
    expect(readFileSync(join(cwd, 'finum-key.private.pem'), 'utf8')).toBe(before);
  });

  it('refuses an unknown algorithm and a missing directory', async () => {
    expectInputError(
      await runCli(['keys', 'generate', '--alg', 'HS256', '--out', join(dir, 'x')]),
      /--alg must be one of/,
    );
    expectInputError(await runCli(['keys', 'generate', '--out', join(dir, 'no', 'such', 'k')]), /does not exist/);
  });
});

describe('finum-sync --json', () => {
  it('is accepted by every command that prints a result (all but serve), and documented in its --help', async () => {
    const help = await runCli(['--help']);
    const commands = [...help.stdout.matchAll(/^ {2}([a-z]+(?: [a-z]+)?) {2,}/gm)].map((m) => m[1]!);
    expect(commands).toEqual(expect.arrayContaining(['deliveries', 'contract awaiting', 'token', 'keys generate']));
    for (const command of commands.filter((c) => c !== 'serve')) {
      const usage = await runCli([...command.split(' '), '--help']);
      expect(usage.stdout, command).toMatch(/^ {2}--json +\S/m);
    }
  });

  it('deliveries and contract awaiting print JSON with --json', async () => {
    const env = { DATA_DIR: mkdtempSync(join(dir, 'json-')) };
    for (const args of [['deliveries'], ['contract', 'awaiting']]) {
      const result = await runCli([...args, '--json'], env);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual([]);
    }
  });

  it('keys generate --json names the files and the kid', async () => {
    const prefix = join(dir, 'json-key');
    const result = await runCli(['keys', 'generate', '--alg', 'EdDSA', '--out', prefix, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      alg: 'EdDSA',
      kid: expect.any(String),
      privateKeyPath: `${prefix}.private.pem`,
      publicKeyPath: `${prefix}.public.pem`,
    });
  });
});

describe('finum-sync token', () => {
  let prefix: string;
  beforeAll(async () => {
    prefix = join(dir, 'token-key');
    await runCli(['keys', 'generate', '--out', prefix]);
  });
  const payload = JSON.stringify({ sub: 'acme-broker', aud: 'https://syncapi.test' });

  it('prints a JWT signed with the key, with iat, exp = iat + ttl and the kid', async () => {
    const result = await runCli([
      'token',
      '--payload',
      payload,
      '--key',
      `${prefix}.private.pem`,
      '--ttl',
      '600',
      '--kid',
      'k1',
    ]);
    expect(result.code).toBe(0);
    const jwt = result.stdout.trim();
    const publicKey = await importSPKI(readFileSync(`${prefix}.public.pem`, 'utf8'), 'ES256');
    await expect(compactVerify(jwt, publicKey)).resolves.toBeDefined();
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'ES256', kid: 'k1', typ: 'JWT' });
    const claims = decodeJwt(jwt);
    expect(claims).toMatchObject({ sub: 'acme-broker', aud: 'https://syncapi.test' });
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(60);
  });

  it('reads the payload or the key from standard input with -, and prints JSON with --json', async () => {
    const fromStdin = await runCli(
      ['token', '--payload', '-', '--key', `${prefix}.private.pem`],
      {},
      undefined,
      payload,
    );
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(decodeJwt(fromStdin.stdout.trim()).sub).toBe('acme-broker');
    const keyFromStdin = await runCli(
      ['token', '--payload', payload, '--key', '-', '--json'],
      {},
      undefined,
      readFileSync(`${prefix}.private.pem`),
    );
    expect(keyFromStdin.code, keyFromStdin.stderr).toBe(0);
    const result = JSON.parse(keyFromStdin.stdout);
    expect(result).toEqual({ token: expect.any(String), alg: 'ES256', expiresAt: expect.any(String) });
    expect(new Date(result.expiresAt).getTime() / 1000).toBe(decodeJwt(result.token).exp);
    expectInputError(
      await runCli(['token', '--payload', '-', '--key', '-'], {}, undefined, payload),
      /standard input is read for --payload already/,
    );
  });

  it('reads the payload from a file', async () => {
    const file = join(dir, 'payload.json');
    writeFileSync(file, payload);
    const result = await runCli(['token', '--payload', file, '--key', `${prefix}.private.pem`]);
    expect(result.code).toBe(0);
    expect(decodeJwt(result.stdout.trim()).sub).toBe('acme-broker');
  });

  it.each([
    ['a payload that is not JSON', ['--payload', '{"sub":', '--key', 'PRIVATE'], /--payload is not valid JSON/],
    ['a payload without aud', ['--payload', '{"sub":"a"}', '--key', 'PRIVATE'], /needs 'aud'/],
    ['a payload without sub', ['--payload', '{"aud":"https://x"}', '--key', 'PRIVATE'], /needs 'sub'/],
    ['a payload that is an array', ['--payload', 'ARRAY', '--key', 'PRIVATE'], /must be a JSON object/],
    ['a payload file that is missing', ['--payload', '/no/such/payload.json', '--key', 'PRIVATE'], /cannot read/],
    ['a public key', ['--payload', 'OK', '--key', 'PUBLIC'], /is a public key/],
    ['a key file that is not a key', ['--payload', 'OK', '--key', 'GARBAGE'], /is not a PEM private key/],
    ['a key file that is missing', ['--payload', 'OK', '--key', '/no/such/key.pem'], /--key: cannot read/],
    [
      'a ttl that is not a number',
      ['--payload', 'OK', '--key', 'PRIVATE', '--ttl', 'soon'],
      /--ttl must be an integer/,
    ],
    ['an algorithm that does not fit', ['--payload', 'OK', '--key', 'PRIVATE', '--alg', 'RS256'], /does not fit/],
  ])('refuses %s with exit 2', async (_what, args, message) => {
    const arrayFile = join(dir, 'array.json');
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(arrayFile, '[1,2]');
    writeFileSync(garbage, '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
    const substitutes: Record<string, string> = {
      PRIVATE: `${prefix}.private.pem`,
      PUBLIC: `${prefix}.public.pem`,
      GARBAGE: garbage,
      OK: payload,
      ARRAY: arrayFile,
    };
    expectInputError(await runCli(['token', ...args.map((a) => substitutes[a] ?? a)]), message);
  });
});
