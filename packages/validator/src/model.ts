/**
 * What the validator observes and what it concludes. Scenarios do the I/O and record
 * {@link Exchange}s under stable probe keys; rules are pure functions of those
 * {@link Observations} and return a {@link Verdict}.
 */

export type Severity = 'error' | 'warn' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warn', 'info'];

/** The areas a rule belongs to, in report order. */
export const AREAS = ['AUTH', 'READ', 'SYNC', 'ERRORS', 'WRITES', 'CALLBACKS', 'VISIBILITY', 'PERF', 'RATE'] as const;
export type Area = (typeof AREAS)[number];

/** What a rule needs beyond the consumer's credentials; without it the rule is skipped. */
export type Capability = 'writes' | 'second-consumer' | 'callbacks';

export interface RecordedRequest {
  readonly method: string;
  /** Absolute URL. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** What the bearer token is, for the redacted reproduction (`valid`, `alg none`, …). */
  readonly token?: string;
}

export interface RecordedResponse {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  /** The parsed body when it is JSON (any `+json` type too); `undefined` otherwise. */
  readonly json: unknown;
  /** Body size in bytes. */
  readonly bytes: number;
  readonly ms: number;
}

export interface Exchange {
  /** The probe that sent it, e.g. `auth.token.none` or `read.list.contract`. */
  readonly probe: string;
  /** Sequence number within the run. */
  readonly seq: number;
  readonly request: RecordedRequest;
  /** Missing when the request failed below HTTP (see `error`). */
  readonly response?: RecordedResponse;
  readonly error?: string;
  /** The request is deliberately wrong: the provider must refuse it with a 4xx. */
  readonly negative?: boolean;
  /** What the scenario knew when it sent this (ids requested, expectations…). */
  readonly note?: Readonly<Record<string, unknown>>;
}

/** A record the validator created (writes): listed in the report so the provider can remove it. */
export interface CreatedRecord {
  readonly type: string;
  readonly id: string;
  readonly marker: string;
}

/** Everything the scenarios saw, the only input of a rule. */
export interface Observations {
  readonly runId: string;
  readonly capabilities: ReadonlySet<Capability>;
  /** The consumer's audience and id (from the payload). */
  readonly audience: string;
  readonly consumerId: string;
  /** Every exchange, ordered by probe name, then by when it was sent. */
  readonly exchanges: readonly Exchange[];
  /** Named facts the scenarios established (samples of ids, maxima…). */
  readonly facts: Readonly<Record<string, unknown>>;
  readonly created: readonly CreatedRecord[];
}

/** One thing wrong, as a rule reports it. */
export interface Failure {
  readonly message: string;
  /** The exchange that shows it (reproduction and excerpt in the report). */
  readonly exchange?: Exchange;
}

export type Verdict =
  | { readonly outcome: 'pass'; readonly note?: string }
  | { readonly outcome: 'fail'; readonly failures: readonly Failure[] }
  | { readonly outcome: 'skip'; readonly reason: string };

export interface Rule {
  /** `FSV-<AREA>-<NNN>`, stable forever. */
  readonly id: string;
  readonly area: Area;
  /** The SPEC section it checks, e.g. `§3`. */
  readonly section: string;
  readonly severity: Severity;
  readonly title: string;
  /** What the provider must do (MUST/SHOULD text of the SPEC, in the rule's words). */
  readonly spec: string;
  /** How to fix a failure. */
  readonly fix: string;
  readonly needs?: readonly Capability[];
  /** Pure: the observations in, a verdict out. */
  check(observations: Observations): Verdict;
}
