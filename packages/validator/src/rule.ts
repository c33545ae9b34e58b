import type { Exchange, Failure, Observations, Rule, Verdict } from './model.js';

/**
 * Declares a rule; the `id` must match its area (`FSV-AUTH-001` in `AUTH`).
 *
 * @example
 * export default defineRule({
 *   id: 'FSV-AUTH-001', area: 'AUTH', section: '§3', severity: 'error',
 *   title: 'A request without a token is refused', spec: '…', fix: '…',
 *   check: (o) => expectStatus(byProbe(o, 'auth.no-token'), [401]),
 * });
 */
export function defineRule(rule: Rule): Rule {
  if (!new RegExp(`^FSV-${rule.area}-\\d{3}$`).test(rule.id))
    throw new Error(`rule id ${rule.id} is not in ${rule.area}`);
  return rule;
}

export const pass = (note?: string): Verdict => (note ? { outcome: 'pass', note } : { outcome: 'pass' });
export const skip = (reason: string): Verdict => ({ outcome: 'skip', reason });

/** Pass when there is no failure; skip when nothing was observed (`observed` is 0). */
export function verdictOf(failures: readonly Failure[], observed = 1, nothingObserved = 'not observed'): Verdict {
  if (failures.length > 0) return { outcome: 'fail', failures };
  return observed === 0 ? skip(nothingObserved) : pass();
}

/** Exchanges of a probe (exact key, or every key under a prefix ending in `.`) that got an HTTP answer. */
export function byProbe(o: Observations, probe: string): Exchange[] {
  return o.exchanges.filter(
    (e) => e.response !== undefined && (probe.endsWith('.') ? e.probe.startsWith(probe) : e.probe === probe),
  );
}

export const first = (o: Observations, probe: string): Exchange | undefined => byProbe(o, probe)[0];

export const statusOf = (e: Exchange) => e.response?.status ?? 0;

/** A failure for every exchange whose status is not among `statuses` (skips when none was sent). */
export function expectStatus(
  exchanges: readonly Exchange[],
  statuses: readonly number[],
  what = 'the request',
): Verdict {
  const failures = exchanges
    .filter((e) => !statuses.includes(statusOf(e)))
    .map((e) => ({ message: `${what} got ${statusOf(e)}, expected ${statuses.join(' or ')}`, exchange: e }));
  return verdictOf(failures, exchanges.length);
}

/** The `fact` the scenarios established, typed by the caller. */
export const fact = <T>(o: Observations, name: string): T | undefined => o.facts[name] as T | undefined;

/** The same defect in many records is one finding: keeps the first failure per key. */
export function onePer(failures: readonly Failure[], key: (f: Failure) => string): Failure[] {
  const seen = new Set<string>();
  return failures.filter((f) => {
    const k = key(f);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
