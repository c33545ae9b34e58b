import { resolve } from 'node:path';
import { TOKEN_RULES } from '@finum-sync/spec';
import { providerWebhookUrlProblem } from './callbacks/url-policy.js';
import { isPostgresUrl } from './store/open-store.js';

/** Everything the server reads from the environment (SPEC §10), validated at start. */
export interface Config {
  port: number;
  host: string;
  /** Base URL consumers reach us at; also the JWT audience. */
  publicUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  /** Bearer token of the provider's administrators; admin API and page are off without it. */
  adminToken: string | undefined;
  demo: boolean;
  demoDelayMs: number;
  maxTokenLifetimeS: number;
  maxFileSize: number;
  allowPrivateCallbacks: boolean;
  /** Requests a minute per consumer; 0 turns the limit off. */
  rateLimit: number;
  logLevel: string;
  /** `pretty` (human-readable lines), `json` (one JSON object a line), or `auto`: pretty on a terminal. */
  logFormat: 'auto' | 'pretty' | 'json';
  databasePoolSize: number;
  databaseStatementTimeoutMs: number;
  /** Origins allowed to call `/v1` from a browser (CORS); empty: none besides our own pages. */
  corsOrigins: string[];
  /**
   * How many proxies in front to trust for the client address (`X-Forwarded-For`, counted
   * from the right), or `false`: per-address limits and logs then see the real client.
   */
  trustProxy: number | false;
  /** First callback retry delay; doubles per attempt up to an hour. */
  callbackRetryBaseMs: number;
  /** How often each process adds its counts of consumers' requests to the database (back office usage). */
  usageFlushMs: number;
  /** Finished callback deliveries (and their attempts) are kept this many days. */
  deliveryRetentionDays: number;
  /** Onboarding submissions a minute per client address (spam protection); 0 turns the limit off. */
  onboardingRateLimit: number;
  /** Admin sign-in attempts a minute per client address; 0 turns the limit off. */
  adminSignInRateLimit: number;
  /** Failed authentications (consumer tokens, the admin token) a minute per client address; 0: no limit. */
  authFailureLimit: number;
  /** A request (line, headers and body) must arrive whole within this time (SPEC §7); else 408 and closed. */
  requestTimeoutMs: number;
  /** Open connections this process accepts; further ones are closed at once. */
  maxConnections: number;
  /** Where provider events go (SPEC §10: `PROVIDER_WEBHOOK_URL`); empty: none are sent. */
  providerWebhookUrls: string[];
  /** Their Standard Webhooks secret (`whsec_…`); set whenever `providerWebhookUrls` is. */
  providerWebhookSecret: string | undefined;
  /** Hosts provider events may reach on loopback or private addresses, and over http (the core system's network). */
  providerWebhookAllowHosts: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `Invalid configuration: ${problems[0]}`
        : `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parses a byte size: `20971520`, `20MB`, `512k`. */
function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.floor(Number(m[1]) * factor);
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = <T>(name: string, fallback: T, parse: (raw: string) => T | undefined, expected: string): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = parse(raw);
    if (value === undefined) {
      problems.push(`${name}: ${expected} (got '${raw.length > 80 ? `${raw.slice(0, 80)}…` : raw}')`);
      return fallback;
    }
    return value;
  };
  const int = (min: number, max: number) => (raw: string) => {
    const n = Number(raw);
    return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
  };
  const bool = (raw: string) =>
    /^(1|true|on|yes)$/i.test(raw) ? true : /^(0|false|off|no)$/i.test(raw) ? false : undefined;

  const port = read('PORT', 8080, int(0, 65535), 'an integer port 0–65535');
  const host = read('HOST', 'localhost', (raw) => raw, 'a host name or address');
  const publicUrl = read(
    'PUBLIC_URL',
    `http://localhost:${port}`,
    (raw) => {
      try {
        const url = new URL(raw);
        return /^https?:$/.test(url.protocol) && !url.search && !url.hash ? raw.replace(/\/+$/, '') : undefined;
      } catch {
        return undefined;
      }
    },
    'an http(s) URL without query or fragment, e.g. https://syncapi.example-insurer.com',
  );
  const databaseUrl = read(
    'DATABASE_URL',
    undefined as string | undefined,
    (raw) => (isPostgresUrl(raw) ? raw : undefined),
    'a postgres:// URL (leave it unset for the embedded SQLite)',
  );
  const dataDir = resolve(read('DATA_DIR', './data', (raw) => raw, 'a directory'));
  const adminToken = read(
    'ADMIN_TOKEN',
    undefined as string | undefined,
    (raw) => (raw.length >= 16 && !/\s/.test(raw) ? raw : undefined),
    'at least 16 characters without spaces',
  );
  // The demo consumer's private key is public: on by default only on the embedded SQLite.
  const demo = read('DEMO', databaseUrl === undefined, bool, "'on' or 'off'");
  const demoDelayMs = read('DEMO_DELAY_MS', 3000, int(0, 86_400_000), 'milliseconds (0–86400000)');
  const maxTokenLifetimeS = read('MAX_TOKEN_LIFETIME', TOKEN_RULES.maxLifetimeS, int(60, 86_400), 'seconds (60–86400)');
  const maxFileSize = read(
    'MAX_FILE_SIZE',
    20 * 1024 * 1024,
    (raw) => {
      const n = parseSize(raw);
      return n !== undefined && n >= 1024 && n <= 1024 ** 3 ? n : undefined;
    },
    'a size between 1KB and 1GB, e.g. 20MB or 20971520',
  );
  const allowPrivateCallbacks = read('ALLOW_PRIVATE_CALLBACKS', false, bool, "'true' or 'false'");
  const rateLimit = read('RATE_LIMIT', 6000, int(0, 10_000_000), 'requests a minute (0 turns it off)');
  const logLevel = read(
    'LOG_LEVEL',
    'info',
    (raw) => (LOG_LEVELS.includes(raw) ? raw : undefined),
    LOG_LEVELS.join(', '),
  );
  const logFormat = read(
    'LOG_FORMAT',
    'auto' as Config['logFormat'],
    (raw) => (['auto', 'pretty', 'json'].includes(raw) ? (raw as Config['logFormat']) : undefined),
    "'auto' (pretty on a terminal, JSON otherwise), 'pretty' or 'json'",
  );
  const databasePoolSize = read('DATABASE_POOL_SIZE', 10, int(1, 1000), 'connections (1–1000)');
  const databaseStatementTimeoutMs = read(
    'DATABASE_STATEMENT_TIMEOUT_MS',
    30_000,
    int(0, 3_600_000),
    'milliseconds (0 = none)',
  );
  const corsOrigins = read(
    'CORS_ORIGINS',
    [] as string[],
    (raw) => {
      const list = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return list.every((o) => o === '*' || /^https?:\/\/[^/]+$/.test(o)) ? list : undefined;
    },
    'comma-separated origins such as https://app.example.com, or *',
  );
  // A hop count, never "trust everything": with that a client would pick its own address
  // (the leftmost X-Forwarded-For entry) and void every per-address limit.
  const trustProxy = read(
    'TRUST_PROXY',
    false as number | false,
    (raw) => (/^(0|false|off|no)$/i.test(raw) ? false : (int(1, 10)(raw) ?? undefined)),
    "the number of proxies in front whose X-Forwarded-For to trust (1–10), or 'false'; 'true' is refused, since it lets a client choose its own address",
  );
  const deliveryRetentionDays = read('DELIVERY_RETENTION_DAYS', 30, int(1, 3650), 'days (1–3650)');
  const callbackRetryBaseMs = read('CALLBACK_RETRY_BASE_MS', 5000, int(10, 3_600_000), 'milliseconds (10–3600000)');
  const usageFlushMs = read('USAGE_FLUSH_MS', 10_000, int(10, 3_600_000), 'milliseconds (10–3600000)');

  const onboardingRateLimit = read('ONBOARDING_RATE_LIMIT', 5, int(0, 100_000), 'submissions a minute (0: no limit)');
  const adminSignInRateLimit = read('ADMIN_SIGNIN_RATE_LIMIT', 10, int(0, 100_000), 'attempts a minute (0: no limit)');

  const authFailureLimit = read(
    'AUTH_FAILURE_LIMIT',
    30,
    int(0, 100_000),
    'failed authentications a minute (0: no limit)',
  );
  const requestTimeoutMs =
    read('REQUEST_TIMEOUT', 60, int(1, 3600), 'seconds a request may take to arrive (1–3600)') * 1000;
  const maxConnections = read('MAX_CONNECTIONS', 1000, int(1, 1_000_000), 'open connections (1–1000000)');
  const list = (raw: string) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const providerWebhookAllowHosts = read(
    'PROVIDER_WEBHOOK_ALLOW_HOSTS',
    [] as string[],
    (raw) => {
      const hosts = list(raw).map((h) => h.toLowerCase().replace(/^\[|\]$/g, ''));
      return hosts.every((h) => /^[a-z0-9.:-]+$/.test(h)) ? hosts : undefined;
    },
    'comma-separated host names or addresses, e.g. core.internal,10.0.0.7',
  );
  const urlPolicy = { allowPrivate: allowPrivateCallbacks, allowHosts: new Set(providerWebhookAllowHosts) };
  const providerWebhookUrls = list(env.PROVIDER_WEBHOOK_URL ?? '');
  const urlProblem = providerWebhookUrls.map((u) => providerWebhookUrlProblem(u, urlPolicy)).find(Boolean);
  if (urlProblem) problems.push(`PROVIDER_WEBHOOK_URL: ${urlProblem}`);
  const providerWebhookSecret = read(
    'PROVIDER_WEBHOOK_SECRET',
    undefined as string | undefined,
    (raw) =>
      /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(raw) && Buffer.from(raw.slice(6), 'base64').length >= 24 ? raw : undefined,
    'whsec_ followed by at least 24 random bytes in base64 (e.g. whsec_ and the output of openssl rand -base64 32)',
  );
  if (providerWebhookUrls.length > 0 && !providerWebhookSecret && !env.PROVIDER_WEBHOOK_SECRET) {
    problems.push(
      'PROVIDER_WEBHOOK_SECRET: required with PROVIDER_WEBHOOK_URL (whsec_ followed by base64 random bytes)',
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    publicUrl,
    databaseUrl,
    dataDir,
    adminToken,
    demo,
    demoDelayMs,
    maxTokenLifetimeS,
    maxFileSize,
    allowPrivateCallbacks,
    rateLimit,
    logLevel,
    logFormat,
    databasePoolSize,
    databaseStatementTimeoutMs,
    corsOrigins,
    trustProxy,
    callbackRetryBaseMs,
    usageFlushMs,
    deliveryRetentionDays,
    onboardingRateLimit,
    adminSignInRateLimit,
    authFailureLimit,
    requestTimeoutMs,
    maxConnections,
    providerWebhookUrls,
    providerWebhookSecret,
    providerWebhookAllowHosts,
  };
}
