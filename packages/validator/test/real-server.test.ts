import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startValidatorTarget, type ValidatorTarget, validate } from './validator-harness.js';

/**
 * Zero false positives: full runs (writes, a second consumer, callbacks) with different
 * seeds against the real server, on every dialect, report no `error` and no `warn`.
 * `VALIDATOR_RUNS` runs per dialect (CI: 2; `VALIDATOR_RUNS=10` for the long check).
 */

const dialects = inject('dialects');
const RUNS = Number(process.env.VALIDATOR_RUNS ?? 2);
const FIRST_SEED = Number(process.env.VALIDATOR_SEED ?? 1000);

describe.each(dialects)('%s', (dialect) => {
  let target: ValidatorTarget;
  beforeAll(async () => {
    target = await startValidatorTarget(dialect);
  });
  afterAll(() => target?.close());

  for (let i = 0; i < RUNS; i++) {
    const seed = FIRST_SEED + i;
    it(`full run with seed ${seed}: no error, no warning`, async () => {
      const inbox = await target.inbox();
      const report = await validate(target.options(target.server.url, { seed, callbacks: inbox })).finally(() =>
        inbox.close(),
      );
      const failing = report.results.filter((r) => r.outcome === 'fail' && r.severity !== 'info');
      expect(
        failing.map((r) => `${r.id}: ${r.findings.map((f) => f.message).join(' | ')}`),
        `seed ${seed}`,
      ).toEqual([]);
      expect(report.passed).toBe(true);
      // Everything that could run did: only the 50,000-id rule lacks the data.
      expect(report.results.filter((r) => r.outcome === 'skip').map((r) => r.id)).toEqual(['FSV-SYNC-010']);
      // Every record the run created is listed and marked with the run id.
      expect(report.created.length).toBeGreaterThanOrEqual(4);
      for (const c of report.created) expect(c.marker).toMatch(new RegExp(`^fsv-${report.runId}-\\d+$`));
      console.info(`[validator] ${dialect} seed ${seed}: ${report.requests} requests in ${report.durationMs} ms`);
    });
  }

  it('the core profile sends no write and reports no write rule', async () => {
    const before = await target.server.get('/v1/client-id-list-updated', target.second);
    const report = await validate({ ...target.options(target.server.url), allowWrites: false, profile: 'core' });
    expect(report.passed).toBe(true);
    expect(report.results.some((r) => r.area === 'WRITES' || r.area === 'CALLBACKS')).toBe(false);
    expect(report.created).toEqual([]);
    const after = await target.server.get('/v1/client-id-list-updated', target.second);
    expect(after.body).toEqual(before.body);
    console.info(`[validator] ${dialect} core profile: ${report.requests} requests in ${report.durationMs} ms`);
  });
});
