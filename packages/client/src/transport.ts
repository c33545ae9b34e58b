import { FinumNetworkError, FinumProblemError, FinumTimeoutError, type ProblemBody } from './errors.js';
import { IDEMPOTENCY_KEY_HEADER } from './generated/spec-data.js';
import { type AttemptOutcome, nextDelay, type RetryPolicy } from './retry.js';
import type { TokenSource } from './token.js';

/**
 * Where the client reports what it does: `console` fits; each method is optional.
 *
 * @example
 * const logger: Logger = { warn: (message, fields) => log.warn({ ...fields }, message) };
 * const finum = createClient({ baseUrl, payload, privateKey, logger });
 */
export interface Logger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  warn?(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The `fetch` the client sends its requests with: the platform's, or one of your own
 * (a proxy, a test double, instrumentation).
 *
 * @example
 * const timedFetch: FetchLike = async (input, init) => {
 *   const started = performance.now();
 *   try { return await fetch(input, init); } finally { metrics.observe(performance.now() - started); }
 * };
 * const finum = createClient({ baseUrl, payload, privateKey, fetch: timedFetch });
 */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportConfig {
  baseUrl: string;
  tokens: TokenSource;
  fetch: FetchLike;
  timeoutMs: number;
  retry: RetryPolicy;
  userAgent: string | undefined;
  logger: Logger | undefined;
  now: () => number;
  random: () => number;
  randomId: () => string;
}

/**
 * Per-call options every operation takes.
 *
 * @example
 * const options: CallOptions = { signal: AbortSignal.timeout(120_000), timeout: 20_000 };
 * const { ids } = await finum.contracts.changedIds({ since }, options);
 */
export interface CallOptions {
  /** Cancels the call (every attempt and the waits between them). */
  signal?: AbortSignal;
  /** Per-attempt timeout, ms (default: the client's `timeout`). */
  timeout?: number;
}

/**
 * The options of a create or upload (a POST): the call options and its `Idempotency-Key`.
 *
 * @example
 * const options: WriteOptions = { idempotencyKey: 'deal-4711-client' };
 * const client = await finum.clients.create({ type: 'person', lastName: 'Huber' }, options);
 */
export interface WriteOptions extends CallOptions {
  /**
   * The POST's `Idempotency-Key` (default: a random one, generated once per call and sent
   * with every retry). Give your own to make a retry after a crash safe.
   */
  idempotencyKey?: string;
}

export interface RequestSpec extends WriteOptions {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query?: Record<string, string | undefined>;
  /** A JSON body (serialized once) or a form (encoded once): every retry sends the same bytes. */
  body?: unknown;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Return the response with its body unread (downloads); otherwise the body is read within the attempt. */
  stream?: boolean;
}

export interface TransportResponse {
  response: Response;
  /** The body as text (`undefined` for `stream`). */
  text: string | undefined;
  requestId: string;
  attempts: number;
}

/** Characters a query value may carry as they are (unreserved, and the commas of `id-list`). */
const URL_SAFE = /^[A-Za-z0-9_.~,-]*$/;

/** A query value, percent-encoded where needed; commas stay readable. */
const encodeValue = (value: string) =>
  // Ids are URL-safe: one test instead of encoding 1,000 ids and putting their commas back.
  URL_SAFE.test(value) ? value : encodeURIComponent(value).replace(/%2C/g, ',');

/** Builds the URL of a request; `id-list` commas stay readable (ids never need escaping). */
export function buildUrl(baseUrl: string, path: string, query: Record<string, string | undefined> = {}): string {
  const parts: string[] = [];
  for (const key in query) {
    const value = query[key];
    if (value !== undefined) parts.push(`${encodeURIComponent(key)}=${encodeValue(value)}`);
  }
  return `${baseUrl.replace(/\/+$/, '')}${path}${parts.length ? `?${parts.join('&')}` : ''}`;
}

/** Waits `ms`, or rejects with the signal's reason once it aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function encodeBody(body: unknown): Promise<{ bytes: BodyInit; contentType: string } | undefined> {
  if (body === undefined) return undefined;
  if (body instanceof FormData) {
    // Encode once: a FormData given to fetch twice gets a new boundary each time.
    const encoded = new Response(body);
    return { bytes: await encoded.arrayBuffer(), contentType: encoded.headers.get('content-type')! };
  }
  return { bytes: JSON.stringify(body), contentType: 'application/json' };
}

/** The problem an error answer carries, or one made from its status. */
function problemOf(status: number, statusText: string, text: string | undefined): ProblemBody {
  try {
    const body = JSON.parse(text ?? '') as ProblemBody;
    if (body && typeof body.type === 'string' && typeof body.status === 'number') {
      return { ...body, detail: String(body.detail ?? body.title ?? '') };
    }
  } catch {
    // Not JSON: a proxy's or gateway's page.
  }
  const title = statusText || `HTTP ${status}`;
  return { type: 'about:blank', title, status, detail: (text ?? '').slice(0, 200) || title };
}

/**
 * Sends one logical request: signs (from the token cache), times out each attempt,
 * retries what is worth retrying with the same bytes and the same `Idempotency-Key`, and
 * turns error answers into a {@link FinumProblemError}.
 */
export async function send(config: TransportConfig, spec: RequestSpec): Promise<TransportResponse> {
  const url = buildUrl(config.baseUrl, spec.path, spec.query);
  const operation = `${spec.method} ${spec.path}`;
  const requestId = config.randomId();
  const body = await encodeBody(spec.body);
  const idempotencyKey = spec.method === 'POST' ? (spec.idempotencyKey ?? config.randomId()) : undefined;
  const timeoutMs = spec.timeout ?? config.timeoutMs;
  const context = { requestId, operation };
  let renewedAfter401 = false;

  for (let attempt = 0; ; attempt++) {
    spec.signal?.throwIfAborted();
    const token = await config.tokens.token();
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${token}`,
      'x-request-id': requestId,
      ...(body ? { 'content-type': body.contentType } : {}),
      ...(idempotencyKey ? { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } : {}),
      ...(config.userAgent ? { 'user-agent': config.userAgent } : {}),
      ...spec.headers,
    };
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout.signal]) : timeout.signal;
    let outcome: AttemptOutcome;
    let failure: unknown;
    let result: TransportResponse | undefined;
    try {
      const response = await config.fetch(url, {
        method: spec.method,
        headers,
        ...(body ? { body: body.bytes } : {}),
        signal,
        redirect: 'error',
      });
      const text = spec.stream && response.ok ? undefined : await response.text();
      result = { response, text, requestId, attempts: attempt + 1 };
      outcome = {
        kind: 'response',
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        idempotent: idempotencyKey !== undefined,
      };
    } catch (error) {
      if (spec.signal?.aborted) throw spec.signal.reason;
      failure = error;
      outcome = timeout.signal.aborted ? { kind: 'timeout' } : { kind: 'network-error' };
    } finally {
      clearTimeout(timer);
    }
    if (result?.response.ok) return result;
    if (result?.response.status === 401 && !renewedAfter401) {
      // The token may have been refused for the clock (ours or the provider's): sign anew once.
      renewedAfter401 = true;
      config.tokens.invalidate();
      attempt--;
      continue;
    }
    const delay = nextDelay(outcome, attempt, config.retry, config.now(), config.random);
    if (delay === undefined) {
      if (result)
        throw new FinumProblemError(
          problemOf(result.response.status, result.response.statusText, result.text),
          context,
        );
      if (outcome.kind === 'timeout') throw new FinumTimeoutError(timeoutMs, { ...context, cause: failure });
      throw new FinumNetworkError(`${operation} failed: ${(failure as Error)?.message ?? failure}`, {
        ...context,
        cause: failure,
      });
    }
    config.logger?.debug?.('finum-sync: retrying', {
      ...context,
      attempt: attempt + 1,
      outcome: outcome.kind === 'response' ? outcome.status : outcome.kind,
      delayMs: Math.round(delay),
    });
    await sleep(delay, spec.signal);
  }
}
