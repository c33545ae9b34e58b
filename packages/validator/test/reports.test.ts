import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../../test/helpers/browser.js';
import {
  parseBaseline,
  type Report,
  renderHtml,
  renderJunit,
  renderTerminal,
  ValidatorInputError,
} from '../src/index.js';
import { MUTANTS } from './mutants/catalog.js';
import { type MutantProxy, startMutantProxy } from './mutants/proxy.js';
import { startValidatorTarget, type ValidatorTarget, validate } from './validator-harness.js';

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => void;

/**
 * The reports of a run with findings (the real server behind a proxy that adds unknown
 * fields to clients and drops WWW-Authenticate): JSON against its published schema,
 * JUnit through a JUnit parser, HTML in Chromium, the terminal text, baselines — and no
 * credential in any of them.
 */

const OUT = join(process.cwd(), 'test-results', 'validator');

describe('reports', () => {
  let target: ValidatorTarget;
  let proxy: MutantProxy;
  let report: Report;
  let secrets: string[];

  beforeAll(async () => {
    target = await startValidatorTarget('sqlite');
    proxy = await startMutantProxy(target.server.url, { validToken: target.validToken, signCallback: (r) => r });
    const unknownField = MUTANTS.find((m) => m.name === 'unknown-field')!;
    const noChallenge = MUTANTS.find((m) => m.name === 'no-www-authenticate')!;
    proxy.setMutant({
      name: 'two-defects',
      defect: 'unknown client field and no WWW-Authenticate',
      catches: [...unknownField.catches, ...noChallenge.catches],
      response: async (req, res, tools) =>
        noChallenge.response!(req, await unknownField.response!(req, res, tools), tools),
    });
    report = await validate(target.options(proxy.url, { seed: 7 }));
    // What must never appear in a report: the keys, and any token.
    secrets = [
      ...target.demo.privateKey.split('\n').filter((l) => l.length > 40),
      ...target.second.privateKey.split('\n').filter((l) => l.length > 40),
      target.demo.callbackSecret,
      'eyJ',
    ];
    mkdirSync(OUT, { recursive: true });
  });
  afterAll(async () => {
    await proxy?.close();
    await target?.close();
  });

  const expectNoSecret = (text: string) => {
    for (const s of secrets) expect(text.includes(s), `a report contains ${s.slice(0, 12)}…`).toBe(false);
  };

  it('the run failed on exactly the two defects, each finding with a redacted curl and the response', () => {
    expect(report.passed).toBe(false);
    const failed = report.results.filter((r) => r.outcome === 'fail');
    expect(failed.map((r) => r.id).sort()).toEqual(['FSV-AUTH-014', 'FSV-READ-003']);
    for (const f of failed.flatMap((r) => r.findings)) {
      expect(f.curl).toMatch(/^curl -sS -i /);
      // A request with a token shows it as $FINUM_TOKEN (the one without a token has none).
      expect(f.curl!.includes('Authorization')).toBe(f.curl!.includes('Bearer $FINUM_TOKEN'));
      expect(f.response?.status).toBeGreaterThan(0);
      expect(f.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    }
    const unknownField = failed.find((r) => r.id === 'FSV-READ-003')!.findings[0]!;
    expect(unknownField.message).toContain('legacyCode');
    expect(unknownField.curl).toContain('-H "Authorization: Bearer $FINUM_TOKEN"  # FINUM_TOKEN: a valid token');
  });

  it('--json: the report validates against the published report.schema.json', () => {
    const schema = JSON.parse(readFileSync(new URL('../report.schema.json', import.meta.url), 'utf8'));
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    const check = ajv.compile(schema);
    const json = JSON.parse(JSON.stringify(report));
    expect(check(json), JSON.stringify(check.errors)).toBe(true);
    expect(check({ ...json, passed: 'yes' })).toBe(false);
    expectNoSecret(JSON.stringify(report));
  });

  it('--junit: one testcase per rule, the failures with their findings (read by a JUnit parser)', () => {
    const xml = renderJunit(report);
    writeFileSync(join(OUT, 'junit.xml'), xml);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const suites = [doc.testsuites.testsuite].flat();
    const cases = suites.flatMap((s: { testcase: unknown }) => [s.testcase].flat()) as Array<Record<string, unknown>>;
    expect(cases).toHaveLength(report.results.length);
    expect(Number(doc.testsuites.tests)).toBe(report.results.length);
    expect(Number(doc.testsuites.failures)).toBe(2);
    const failing = cases.filter((c) => c.failure);
    expect(failing.map((c) => String(c.name).split(' ')[0]).sort()).toEqual(['FSV-AUTH-014', 'FSV-READ-003']);
    const failure = failing.find((c) => String(c.name).startsWith('FSV-READ-003'))!.failure as Record<string, string>;
    expect(failure.type).toBe('error');
    expect(failure['#text']).toContain('curl -sS -i');
    expect(cases.filter((c) => c.skipped !== undefined)).toHaveLength(report.summary.skipped);
    expectNoSecret(xml);
  });

  it('--html: one self-contained page that Chromium shows with the verdict, areas and findings', async () => {
    const html = renderHtml(report);
    // Nothing is loaded or linked: no script, stylesheet link, image, href or CSS url().
    expect(html.match(/<script|<link|src=|href=|url\(/)).toBeNull();
    expectNoSecret(html);
    const file = join(OUT, 'report.html');
    writeFileSync(file, html);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(`file://${file}`);
      await expect(page.locator('.verdict').textContent()).resolves.toBe('FAILED');
      expect(await page.locator('section h2').allTextContents()).toEqual(
        expect.arrayContaining([expect.stringMatching(/^AUTH/), expect.stringMatching(/^READ/)]),
      );
      const row = page.locator('#FSV-READ-003');
      await expect(row.locator('.o').textContent()).resolves.toBe('FAIL (error)');
      await expect(row.textContent()).resolves.toContain('legacyCode');
      await expect(row.locator('pre').first().textContent()).resolves.toContain('$FINUM_TOKEN');
      expect(await page.locator('tr').count()).toBeGreaterThanOrEqual(report.results.length);
      const png = await page.screenshot({ path: join(OUT, 'report.png'), fullPage: true });
      expect(png.length).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });

  it('terminal: grouped by area, plain without a TTY, coloured with one', () => {
    const plain = renderTerminal(report);
    expect(plain).not.toContain('\x1b[');
    expect(plain.indexOf('\nAUTH\n')).toBeLessThan(plain.indexOf('\nREAD\n'));
    expect(plain).toMatch(/✗ FSV-READ-003 .*\[error\]/);
    expect(plain).toMatch(/^FAILED \(fail on error\): \d+ passed, 2 errors/m);
    expect(renderTerminal(report, { color: true })).toContain('\x1b[31m');
    expectNoSecret(plain);
  });

  it('--baseline: suppressed findings pass until the entry expires; an expired entry fails the run', async () => {
    const prints = report.results.flatMap((r) => r.findings.map((f) => f.fingerprint));
    const entries = (expires: string) =>
      JSON.stringify({
        suppressions: prints.map((fingerprint) => ({ fingerprint, reason: 'known, fix planned', expires })),
      });
    const active = parseBaseline(entries('2999-12-31'));
    const suppressed = await validate(target.options(proxy.url, { seed: 7, baseline: active }));
    expect(
      suppressed.results
        .filter((r) => r.outcome === 'suppressed')
        .map((r) => r.id)
        .sort(),
    ).toEqual(['FSV-AUTH-014', 'FSV-READ-003']);
    expect(suppressed.passed).toBe(true);
    // Same seed, another run id: the fingerprints hold.
    expect(suppressed.results.flatMap((r) => r.findings.map((f) => f.fingerprint)).sort()).toEqual([...prints].sort());

    const expired = parseBaseline(entries('2020-01-01'));
    expect(expired.expired).toHaveLength(prints.length);
    const failing = await validate(target.options(proxy.url, { seed: 7, baseline: expired }));
    expect(failing.passed).toBe(false);
    expect(failing.expiredSuppressions).toHaveLength(prints.length);

    expect(() => parseBaseline('{"suppressions":[{"fingerprint":"abc","reason":"x","expires":"2030-01-01"}]}')).toThrow(
      ValidatorInputError,
    );
    expect(() => parseBaseline(`{"suppressions":[{"fingerprint":"${prints[0]}","expires":"2030-01-01"}]}`)).toThrow(
      /reason/,
    );
  });

  it('--fail-on: an info finding fails the run only at --fail-on info', async () => {
    const infoOnly = MUTANTS.find((m) => m.name === 'reversed-order')!;
    proxy.setMutant(infoOnly);
    const info = await validate(target.options(proxy.url, { seed: 7, failOn: 'warn' }));
    // An info finding fails neither level.
    expect(info.results.find((r) => r.id === 'FSV-READ-007')?.outcome).toBe('fail');
    expect(info.passed).toBe(true);
    const strict = await validate(target.options(proxy.url, { seed: 7, failOn: 'info' }));
    expect(strict.passed).toBe(false);
  });
});
