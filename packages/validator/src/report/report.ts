import { createHash } from 'node:crypto';
import type { CreatedRecord, Failure, Rule, Severity, Verdict } from '../model.js';
import { onePer } from '../rule.js';
import { curlFor, type Excerpt, excerptOf } from './redact.js';

/** The machine-readable result of a run (`--json`); its JSON Schema is `report.schema.json`. */
export interface Report {
  readonly tool: { readonly name: '@finum-sync/validator'; readonly version: string };
  readonly runId: string;
  readonly seed: number;
  readonly baseUrl: string;
  readonly profile: Profile;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly requests: number;
  readonly capabilities: readonly string[];
  readonly failOn: Severity;
  readonly passed: boolean;
  readonly summary: Summary;
  readonly results: readonly RuleResult[];
  /** Records the run created (with --allow-writes), marked with the run id. */
  readonly created: readonly CreatedRecord[];
  /** Baseline entries past their expiry: each fails the run. */
  readonly expiredSuppressions: readonly Suppression[];
}

export type Profile = 'core' | 'writes' | 'all';
export const PROFILES: readonly Profile[] = ['core', 'writes', 'all'];

export interface Summary {
  readonly rules: number;
  readonly passed: number;
  readonly failed: Readonly<Record<Severity, number>>;
  readonly skipped: number;
  readonly suppressed: number;
}

export type Outcome = 'pass' | 'fail' | 'skip' | 'suppressed';

/** What a report says of a rule: its description, and its outcome. */
export type RuleDescription = Pick<Rule, 'id' | 'area' | 'section' | 'severity' | 'title' | 'spec' | 'fix'>;

export interface RuleResult extends RuleDescription {
  readonly outcome: Outcome;
  /** Why it was skipped, or what a pass observed. */
  readonly note?: string;
  readonly findings: readonly Finding[];
}

export interface Finding {
  /** Stable across runs: suppress it in a baseline. */
  readonly fingerprint: string;
  readonly message: string;
  readonly probe?: string;
  /** Redacted: the token is `$FINUM_TOKEN`. */
  readonly curl?: string;
  readonly response?: Excerpt;
  /** Set when a baseline entry suppresses this finding. */
  readonly suppressed?: Suppression;
}

export interface Suppression {
  readonly fingerprint: string;
  readonly reason: string;
  /** `YYYY-MM-DD`: from the day after, the entry no longer suppresses and fails the run. */
  readonly expires: string;
}

/** What changes from run to run in a message (run ids, times, durations) is left out of a fingerprint. */
function stableText(message: string, runId: string): string {
  return message
    .replaceAll(runId, '<run>')
    .replace(/fsv-<run>-[\w-]+/g, '<marker>')
    .replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g, '<time>')
    .replace(/\b\d+ (ms|bytes)\b/g, '<n> $1')
    .replace(/\b\d+ of \d+\b/g, '<n> of <n>');
}

export function fingerprint(ruleId: string, failure: Failure, runId: string): string {
  const text = `${ruleId}\n${failure.exchange?.probe ?? ''}\n${stableText(failure.message, runId)}`;
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** One rule's verdict as reported, with suppressions from the baseline applied. */
export function resultOf(
  rule: Rule,
  verdict: Verdict,
  runId: string,
  suppressions: ReadonlyMap<string, Suppression>,
): RuleResult {
  const { id, area, section, severity, title, spec, fix } = rule;
  const base: RuleDescription = { id, area, section, severity, title, spec, fix };
  if (verdict.outcome === 'pass')
    return { ...base, outcome: 'pass', ...(verdict.note ? { note: verdict.note } : {}), findings: [] };
  if (verdict.outcome === 'skip') return { ...base, outcome: 'skip', note: verdict.reason, findings: [] };
  // The same sentence from many exchanges is one finding (the first exchange shows it).
  const findings = onePer(verdict.failures, (f) => f.message).map((f): Finding => {
    const print = fingerprint(rule.id, f, runId);
    const suppressed = suppressions.get(print);
    const response = f.exchange ? excerptOf(f.exchange) : undefined;
    return {
      fingerprint: print,
      message: f.message,
      ...(f.exchange ? { probe: f.exchange.probe, curl: curlFor(f.exchange) } : {}),
      ...(response ? { response } : {}),
      ...(suppressed ? { suppressed } : {}),
    };
  });
  const outcome = findings.every((f) => f.suppressed) ? 'suppressed' : 'fail';
  return { ...base, outcome, findings };
}

const RANK: Record<Severity, number> = { error: 0, warn: 1, info: 2 };

/** Does this result fail the run at `failOn`? */
export const failsAt = (r: RuleResult, failOn: Severity) => r.outcome === 'fail' && RANK[r.severity] <= RANK[failOn];

export function summarize(results: readonly RuleResult[]): Summary {
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  const failed = (s: Severity) => results.filter((r) => r.outcome === 'fail' && r.severity === s).length;
  return {
    rules: results.length,
    passed: count('pass'),
    failed: { error: failed('error'), warn: failed('warn'), info: failed('info') },
    skipped: count('skip'),
    suppressed: count('suppressed'),
  };
}
