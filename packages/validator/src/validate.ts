import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ValidatorInputError } from './errors.js';
import { type Probe, Recorder } from './http.js';
import { AREAS, type Capability, type Observations, type Rule, type Severity, type Verdict } from './model.js';
import type { Baseline } from './report/baseline.js';
import { failsAt, type Profile, type Report, resultOf, summarize } from './report/report.js';
import { RULES } from './rules/index.js';
import { authScenario } from './scenarios/auth.js';
import type { CallbackInbox, Consumer, Scenario, ScenarioContext } from './scenarios/context.js';
import { SeededRandom } from './scenarios/context.js';
import { errorsScenario } from './scenarios/errors.js';
import { readScenario } from './scenarios/read.js';
import { syncScenario } from './scenarios/sync.js';
import { visibilityScenario } from './scenarios/visibility.js';
import { writesScenario } from './scenarios/writes.js';
import { TokenFactory } from './tokens.js';

export interface Credentials {
  /** The JWT payload from onboarding: `sub` and `aud` at least. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** The consumer's private key (PEM). */
  readonly privateKeyPem: string;
}

export interface ValidateOptions extends Credentials {
  /** The provider, e.g. `https://syncapi.example-insurer.com` (a trailing `/v1` is dropped). */
  readonly baseUrl: string;
  /** A second consumer: enables the VISIBILITY rules. */
  readonly second?: Credentials;
  /** Create and change records (marked with the run id). Default false: read-only. */
  readonly allowWrites?: boolean;
  /** Where callbacks arrive (see `startCallbackInbox`): enables the CALLBACKS rules. */
  readonly callbacks?: CallbackInbox;
  /** The consumer's callback secret (`whsec_…`): callbacks' signatures are verified with it. */
  readonly callbackSecret?: string;
  /** How long to wait for a callback and its retry (default 60 s). */
  readonly callbackWaitMs?: number;
  readonly profile?: Profile;
  /** Makes the request sequence reproducible; random (and reported) by default. */
  readonly seed?: number;
  /** Failing rules at or above this severity fail the run (default `error`). */
  readonly failOn?: Severity;
  readonly baseline?: Baseline;
  /** Requests in flight at most (default 4). */
  readonly concurrency?: number;
  /** The provider's MAX_TOKEN_LIFETIME in seconds (default 3600). */
  readonly maxTokenLifetimeS?: number;
  readonly fetch?: typeof fetch;
  /** Told what the run is doing, a line at a time. */
  readonly onProgress?: (line: string) => void;
}

/** Which areas a profile reports, and which scenarios it runs. */
const PROFILE_AREAS: Record<Profile, ReadonlySet<string>> = {
  core: new Set(['AUTH', 'READ', 'SYNC', 'ERRORS', 'VISIBILITY', 'PERF', 'RATE']),
  writes: new Set(['WRITES', 'CALLBACKS', 'RATE']),
  all: new Set(AREAS),
};

const inProfile = (rule: Rule, profile: Profile) =>
  PROFILE_AREAS[profile].has(rule.area) || (profile === 'writes' && rule.needs?.includes('writes'));

const version = () =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function consumerOf(c: Credentials, maxLifetimeS: number, which: string): Consumer {
  const sub = c.payload.sub;
  if (typeof sub !== 'string' || sub === '')
    throw new ValidatorInputError(`the ${which} payload needs 'sub' (the consumer id)`);
  if (typeof c.payload.aud !== 'string' && !Array.isArray(c.payload.aud))
    throw new ValidatorInputError(`the ${which} payload needs 'aud' (the provider's audience)`);
  try {
    return { consumerId: sub, tokens: new TokenFactory(c.payload, c.privateKeyPem, maxLifetimeS) };
  } catch (error) {
    throw new ValidatorInputError(`the ${which} key: ${(error as Error).message}`);
  }
}

/**
 * Runs the conformance check of SPEC §12 against a provider and returns the report.
 * Throws {@link ValidatorInputError} when it cannot run (bad options, provider
 * unreachable, credentials refused).
 *
 * @example
 * const report = await validate({ baseUrl: 'http://localhost:8080', payload, privateKeyPem, allowWrites: true });
 * console.log(renderTerminal(report, { color: false }));
 * process.exitCode = report.passed ? 0 : 1;
 */
export async function validate(options: ValidateOptions): Promise<Report> {
  const started = Date.now();
  const profile = options.profile ?? 'all';
  const failOn = options.failOn ?? 'error';
  if (profile === 'writes' && !options.allowWrites)
    throw new ValidatorInputError('--profile writes needs --allow-writes (it creates and changes records)');
  let baseUrl: string;
  try {
    const url = new URL(options.baseUrl);
    if (!/^https?:$/.test(url.protocol)) throw new Error('not http');
    baseUrl = url.href.replace(/\/+$/, '').replace(/\/v1$/, '');
  } catch {
    throw new ValidatorInputError(`--base-url '${options.baseUrl}' is not an http(s) URL`);
  }
  const maxLifetimeS = options.maxTokenLifetimeS ?? 3600;
  const primary = consumerOf(options, maxLifetimeS, 'first');
  const second = options.second ? consumerOf(options.second, maxLifetimeS, 'second') : undefined;
  if (second && second.consumerId === primary.consumerId)
    throw new ValidatorInputError('the second consumer must be another consumer than the first');

  const seed = options.seed ?? randomBytes(4).readUInt32BE();
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const capabilities = new Set<Capability>([
    ...(options.allowWrites ? (['writes'] as const) : []),
    ...(second ? (['second-consumer'] as const) : []),
    ...(options.callbacks && options.allowWrites ? (['callbacks'] as const) : []),
  ]);
  const recorder = new Recorder({
    baseUrl,
    concurrency: options.concurrency ?? 4,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const ctx: ScenarioContext = {
    recorder,
    primary,
    second,
    random: new SeededRandom(seed),
    runId,
    capabilities,
    facts: {
      ...(options.callbackSecret ? { 'callbacks.secret': options.callbackSecret } : {}),
      ...(options.callbackWaitMs ? { 'callbacks.waitMs': options.callbackWaitMs } : {}),
    },
    created: [],
    callbacks: options.callbacks,
    async send(probe: Probe, as: Consumer = primary) {
      const token =
        'token' in probe ? probe.token : { value: await as.tokens.valid(), label: 'a valid token of the consumer' };
      return recorder.send({ ...probe, ...(token ? { token } : {}) });
    },
  };

  await preflight(ctx, baseUrl, primary, 'auth.valid');
  if (second) await preflight(ctx, baseUrl, second, 'auth.valid-second');

  const scenarios: Array<[string, Scenario, boolean]> = [
    ['auth', authScenario, PROFILE_AREAS[profile].has('AUTH')],
    ['read', readScenario, true],
    ['sync', syncScenario, PROFILE_AREAS[profile].has('SYNC')],
    ['errors', errorsScenario, PROFILE_AREAS[profile].has('ERRORS')],
    ['writes', writesScenario, PROFILE_AREAS[profile].has('WRITES')],
    ['visibility', visibilityScenario, PROFILE_AREAS[profile].has('VISIBILITY')],
  ];
  for (const [name, scenario, wanted] of scenarios) {
    if (!wanted) continue;
    options.onProgress?.(`${name}…`);
    await scenario(ctx);
  }

  const observations: Observations = {
    runId,
    capabilities,
    audience: String(options.payload.aud),
    consumerId: primary.consumerId,
    // By probe, then sequence: which exchange a rule shows first (and so a finding's
    // fingerprint) does not depend on which concurrent request finished first.
    exchanges: [...recorder.exchanges].sort((a, b) => (a.probe < b.probe ? -1 : a.probe > b.probe ? 1 : a.seq - b.seq)),
    facts: ctx.facts,
    created: ctx.created,
  };
  const order = (r: Rule) => AREAS.indexOf(r.area) * 1000 + Number(r.id.slice(-3));
  const rules = [...RULES].filter((r) => inProfile(r, profile)).sort((a, b) => order(a) - order(b));
  const suppressions = options.baseline?.active ?? new Map();
  const results = rules.map((rule) => resultOf(rule, judge(rule, observations), runId, suppressions));
  const expiredSuppressions = options.baseline?.expired ?? [];
  return {
    tool: { name: '@finum-sync/validator', version: version() },
    runId,
    seed,
    baseUrl,
    profile,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    requests: recorder.exchanges.length,
    capabilities: [...capabilities],
    failOn,
    passed: !results.some((r) => failsAt(r, failOn)) && expiredSuppressions.length === 0,
    summary: summarize(results),
    results,
    created: ctx.created,
    expiredSuppressions,
  };
}

/** A rule whose inputs the run lacks is skipped; a rule that throws is a bug of the validator, reported as such. */
function judge(rule: Rule, o: Observations): Verdict {
  const missing = (rule.needs ?? []).filter((c) => !o.capabilities.has(c));
  if (missing.length) return { outcome: 'skip', reason: `needs ${missing.map((c) => NEEDS_TEXT[c]).join(' and ')}` };
  try {
    return rule.check(o);
  } catch (error) {
    return { outcome: 'skip', reason: `the rule could not judge the observations (${(error as Error).message})` };
  }
}

const NEEDS_TEXT: Record<Capability, string> = {
  writes: '--allow-writes',
  'second-consumer': '--second-payload and --second-key',
  callbacks: '--callback-listen and --callback-url (with --allow-writes)',
};

/** The first request: the provider answers, and accepts the consumer's token. */
async function preflight(ctx: ScenarioContext, baseUrl: string, who: Consumer, probe: string) {
  const e = await ctx.send({ probe, path: '/v1/auth-status' }, who);
  if (!e.response) throw new ValidatorInputError(`cannot reach ${baseUrl}: ${e.error}`);
  const r = e.response;
  if (r.status === 401 || r.status === 403) {
    const detail = (r.json as { detail?: unknown } | undefined)?.detail;
    throw new ValidatorInputError(
      `${baseUrl} refused the token of '${who.consumerId}' (${r.status}${typeof detail === 'string' ? `: ${detail}` : ''}); check the payload and the key`,
    );
  }
  if (r.status === 404 && !/json/.test(r.headers['content-type'] ?? ''))
    throw new ValidatorInputError(`${baseUrl} has no /v1/auth-status: is it a FiNUM Sync API provider?`);
}
