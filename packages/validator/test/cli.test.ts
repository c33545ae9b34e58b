import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/test/run-cli.js';
import { MUTANTS } from './mutants/catalog.js';
import { type MutantProxy, startMutantProxy } from './mutants/proxy.js';
import { SECOND_CONSUMER, startValidatorTarget, type ValidatorTarget } from './validator-harness.js';

/**
 * `finum-sync validate` as a process (what ships): exit 0 for a conforming provider, 1 for
 * a failing rule, 2 (one line on stderr) for bad input or an unreachable provider.
 */

describe('finum-sync validate', () => {
  let target: ValidatorTarget;
  let proxy: MutantProxy;
  let dir: string;
  const file = (name: string) => join(dir, name);

  beforeAll(async () => {
    target = await startValidatorTarget('sqlite');
    proxy = await startMutantProxy(target.server.url, { validToken: target.validToken, signCallback: (r) => r });
    dir = mkdtempSync(join(tmpdir(), 'fsv-cli-'));
    writeFileSync(file('payload.json'), JSON.stringify(target.demo.payload));
    writeFileSync(file('key.pem'), target.demo.privateKey);
    writeFileSync(file('second.json'), JSON.stringify({ sub: SECOND_CONSUMER, aud: target.demo.payload.aud }));
    writeFileSync(file('second.pem'), target.second.privateKey);
    writeFileSync(file('secret.txt'), target.demo.callbackSecret);
  });
  afterAll(async () => {
    await proxy?.close();
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const base = () => [
    'validate',
    '--base-url',
    target.server.url,
    '--payload',
    file('payload.json'),
    '--key',
    file('key.pem'),
  ];

  it('a conforming provider: exit 0, the terminal report, JUnit and HTML files (all options)', async () => {
    const result = await runCli([
      ...base(),
      '--second-payload',
      file('second.json'),
      '--second-key',
      file('second.pem'),
      '--allow-writes',
      '--callback-listen',
      '127.0.0.1:0',
      '--callback-url',
      'http://127.0.0.1:0',
      '--callback-secret',
      file('secret.txt'),
      '--junit',
      file('junit.xml'),
      '--html',
      file('report.html'),
      '--seed',
      '42',
    ]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^PASSED \(fail on error\)/m);
    expect(result.stdout).toContain('seed 42');
    expect(result.stdout).toMatch(/✓ FSV-CALLBACKS-004/);
    expect(result.stdout).not.toContain('\x1b['); // not a TTY
    expect(readFileSync(file('junit.xml'), 'utf8')).toContain('<testsuites');
    expect(readFileSync(file('report.html'), 'utf8')).toContain('PASSED');
    expect(result.stdout + result.stderr + readFileSync(file('report.html'), 'utf8')).not.toMatch(
      /eyJ|PRIVATE KEY|whsec_/,
    );
  });

  it('--json prints one JSON report on stdout', async () => {
    const result = await runCli([...base(), '--profile', 'core', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.profile).toBe('core');
    expect(report.passed).toBe(true);
    expect(result.stderr).toBe('');
  });

  it('a failing rule: exit 1; a baseline suppresses it; an expired baseline entry fails again', async () => {
    proxy.setMutant(MUTANTS.find((m) => m.name === 'pagination-link'));
    const args = [
      'validate',
      '--base-url',
      proxy.url,
      '--payload',
      file('payload.json'),
      '--key',
      file('key.pem'),
      '--profile',
      'core',
    ];
    const failing = await runCli([...args, '--json']);
    expect(failing.code).toBe(1);
    const report = JSON.parse(failing.stdout);
    const finding = report.results.find((r: { id: string }) => r.id === 'FSV-READ-012').findings[0];
    const baseline = (expires: string) =>
      JSON.stringify({
        suppressions: [{ fingerprint: finding.fingerprint, reason: 'paging header removed in 4.2', expires }],
      });
    writeFileSync(file('baseline.json'), baseline('2999-01-01'));
    const suppressed = await runCli([...args, '--baseline', file('baseline.json')]);
    expect(suppressed.code, suppressed.stdout).toBe(0);
    writeFileSync(file('baseline.json'), baseline('2021-01-01'));
    const expired = await runCli([...args, '--baseline', file('baseline.json')]);
    expect(expired.code).toBe(1);
    expect(expired.stdout).toMatch(/baseline entry [0-9a-f]{16} expired on 2021-01-01/);
    proxy.setMutant(undefined);
  });

  const expectUsage = (result: { code: number | null; stderr: string }, pattern: RegExp) => {
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(pattern);
    expect(lines.filter((l) => !l.startsWith('validate: '))).toHaveLength(1);
  };

  it('an unreachable provider: exit 2, one line', async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const url = `http://127.0.0.1:${port}`;
    const result = await runCli([
      'validate',
      '--base-url',
      url,
      '--payload',
      file('payload.json'),
      '--key',
      file('key.pem'),
    ]);
    expectUsage(result, new RegExp(`^finum-sync validate: cannot reach ${url}: ECONNREFUSED$`));
  });

  it('credentials the provider refuses: exit 2, one line naming the consumer', async () => {
    const result = await runCli([...base().slice(0, -1), file('second.pem')]);
    expectUsage(result, /refused the token of 'demo' \(401: .*signature.*\); check the payload and the key/i);
  });

  it('bad options: exit 2, one line each', async () => {
    expectUsage(await runCli([...base(), '--profile', 'quick']), /--profile must be one of core, writes, all/);
    expectUsage(await runCli([...base(), '--profile', 'writes']), /--profile writes needs --allow-writes/);
    expectUsage(
      await runCli([...base(), '--second-key', file('second.pem')]),
      /--second-payload and --second-key go together/,
    );
    expectUsage(await runCli([...base(), '--baseline', file('nothing.json')]), /--baseline: cannot read .* \(ENOENT\)/);
    writeFileSync(file('bad-baseline.json'), '{"suppressions":[{"fingerprint":"zz"}]}');
    expectUsage(await runCli([...base(), '--baseline', file('bad-baseline.json')]), /baseline entry 1: 'fingerprint'/);
    expectUsage(
      await runCli(['validate', '--base-url', 'ftp://x', '--payload', file('payload.json'), '--key', file('key.pem')]),
      /--base-url 'ftp:\/\/x' is not an http\(s\) URL/,
    );
  });

  it('loads the validator, never the server (a consumer command)', async () => {
    const traced = await runCli(
      ['validate', '--base-url', 'http://127.0.0.1:9', '--payload', file('payload.json'), '--key', file('key.pem')],
      { NODE_OPTIONS: `--import ${fileURLToPath(new URL('./fixtures/trace-imports.mjs', import.meta.url))}` },
    );
    const loaded = traced.stderr.split('\n').filter((l) => l.startsWith('resolved '));
    expect(loaded.some((l) => l.includes('/packages/validator/dist/'))).toBe(true);
    expect(
      loaded.filter((l) => /\/packages\/server\/|\/node_modules\/(fastify|kysely|better-sqlite3|pg)\//.test(l)),
    ).toEqual([]);
  });

  it('--help names the exit codes and the options of SPEC §12', async () => {
    const result = await runCli(['validate', '--help']);
    expect(result.code).toBe(0);
    for (const option of [
      '--second-payload',
      '--allow-writes',
      '--callback-listen',
      '--profile',
      '--junit',
      '--html',
      '--fail-on',
      '--baseline',
      '--seed',
    ])
      expect(result.stdout).toContain(option);
    expect(result.stdout).toContain('Exit 0');
  });
});
