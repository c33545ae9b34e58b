import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES } from '../src/index.js';
import { MUTANTS, POLITE_RATE_LIMIT } from './mutants/catalog.js';
import { type Mutant, type MutantProxy, startMutantProxy } from './mutants/proxy.js';
import { failedRules, failureText, startValidatorTarget, type ValidatorTarget, validate } from './validator-harness.js';

/**
 * The catalog of broken providers: the real server (SQLite, real sockets) behind a proxy
 * that gives it exactly one defect. Each must be caught by the rules meant for it, and no
 * other rule may fail. The proxy alone (no defect) must pass every rule.
 */

describe('mutants', () => {
  let target: ValidatorTarget;
  let proxy: MutantProxy;

  beforeAll(async () => {
    // No request budget: some 50 full runs go through one consumer.
    target = await startValidatorTarget('sqlite', { RATE_LIMIT: '0' });
    proxy = await startMutantProxy(target.server.url, {
      validToken: target.validToken,
      signCallback: (req) => {
        const body = req.body.toString('utf8');
        return { ...req, headers: { ...req.headers, ...target.sign(req.headers['webhook-id'] ?? 'msg_x', body) } };
      },
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await target?.close();
  });

  async function runAgainst(mutant: Mutant | undefined, withCallbacks: boolean) {
    const inbox = withCallbacks ? await target.inbox() : undefined;
    proxy.setMutant(mutant, inbox?.publicUrl);
    try {
      return await validate(
        target.options(proxy.url, {
          seed: 20261128,
          ...(inbox ? { callbacks: { ...inbox, publicUrl: proxy.callbackUrl } } : {}),
        }),
      );
    } finally {
      await inbox?.close();
    }
  }

  it('the catalog has at least 30 mutants, each aimed at existing rules', () => {
    expect(MUTANTS.length).toBeGreaterThanOrEqual(30);
    const ids = new Set(RULES.map((r) => r.id));
    for (const m of MUTANTS) {
      for (const id of m.catches) expect(ids, `${m.name} aims at ${id}`).toContain(id);
      for (const id of m.incidental?.rules ?? []) expect(ids, `${m.name} may also fail ${id}`).toContain(id);
    }
    expect(new Set(MUTANTS.map((m) => m.name)).size).toBe(MUTANTS.length);
  });

  it('without a defect, the proxied server passes every rule (callbacks included)', async () => {
    const report = await runAgainst(undefined, true);
    expect(failedRules(report), failureText(report)).toEqual([]);
    const callbacks = report.results.filter((r) => r.area === 'CALLBACKS');
    expect(callbacks.map((r) => r.outcome)).toEqual(['pass', 'pass', 'pass', 'pass']);
  });

  it('a polite rate limit (429 with Retry-After) is waited out, not a finding', async () => {
    const report = await runAgainst(POLITE_RATE_LIMIT, false);
    expect(failedRules(report), failureText(report)).toEqual([]);
    expect(report.results.find((r) => r.id === 'FSV-RATE-001')?.outcome).toBe('pass');
  });

  for (const mutant of MUTANTS) {
    it(`${mutant.name}: ${mutant.defect} → ${mutant.catches.join(', ')}`, async () => {
      const report = await runAgainst(mutant, mutant.callbacks ?? false);
      const incidental = new Set(mutant.incidental?.rules ?? []);
      const failed = failedRules(report).filter((id) => !incidental.has(id));
      expect(failed, failureText(report)).toEqual([...mutant.catches].sort());
    });
  }
});
