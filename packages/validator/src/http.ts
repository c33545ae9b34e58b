import type { Exchange, RecordedRequest, RecordedResponse } from './model.js';

/** What a scenario asks the recorder to send. */
export interface Probe {
  readonly probe: string;
  readonly method?: string;
  /** Path and query below the base URL, e.g. `/v1/contract-list?id-list=a,b`. */
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Bearer token and what it is (for the redacted reproduction). */
  readonly token?: { readonly value: string; readonly label: string };
  readonly negative?: boolean;
  readonly note?: Record<string, unknown>;
}

export interface RecorderOptions {
  readonly baseUrl: string;
  /** Requests in flight at most (default 4). */
  readonly concurrency?: number;
  /** Per request (default 30 s). */
  readonly timeoutMs?: number;
  /** Longest `Retry-After` honoured; a longer one ends the retries (default 60 s). */
  readonly maxRetryAfterS?: number;
  readonly fetch?: typeof fetch;
  /** Waits `ms`; injectable so tests need not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const RETRIES_AFTER_429 = 3;
/** How long to wait after a 429 without Retry-After. */
const FALLBACK_WAIT_MS = 1000;

/**
 * Sends the validator's requests and records every exchange. Polite: at most
 * `concurrency` requests at once; a `429` with `Retry-After` is waited out and retried
 * (the 429 itself is recorded under the probe `rate.429`, so that a rule can judge it).
 */
export class Recorder {
  readonly exchanges: Exchange[] = [];
  private seq = 0;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RecorderOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Sends a probe, records it, and returns the exchange (never throws for network errors). */
  async send(p: Probe): Promise<Exchange> {
    for (let attempt = 0; ; attempt++) {
      const exchange = await this.limited(() => this.once(p));
      const r = exchange.response;
      if (r?.status !== 429 || attempt >= RETRIES_AFTER_429) {
        this.exchanges.push(exchange);
        return exchange;
      }
      // A 429 is recorded apart (FSV-RATE-001 judges it); the probe is retried when the
      // provider says, or after a second when it does not say.
      this.exchanges.push({ ...exchange, probe: 'rate.429', note: { for: p.probe } });
      const wait = retryAfterMs(r.headers['retry-after']) ?? FALLBACK_WAIT_MS;
      if (wait > (this.options.maxRetryAfterS ?? 60) * 1000) {
        this.exchanges.push(exchange);
        return exchange;
      }
      await this.sleep(wait);
    }
  }

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    const max = this.options.concurrency ?? 4;
    while (this.active >= max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private async once(p: Probe): Promise<Exchange> {
    const url = `${this.options.baseUrl}${p.path}`;
    const headers: Record<string, string> = { accept: 'application/json', ...p.headers };
    if (p.token) headers.authorization = `Bearer ${p.token.value}`;
    const method = p.method ?? 'GET';
    const request: RecordedRequest = {
      method,
      url,
      headers,
      ...(p.body !== undefined ? { body: p.body } : {}),
      ...(p.token ? { token: p.token.label } : {}),
    };
    const base = {
      probe: p.probe,
      seq: ++this.seq,
      request,
      ...(p.negative ? { negative: true } : {}),
      ...(p.note ? { note: p.note } : {}),
    };
    const started = performance.now();
    try {
      const res = await this.fetch(url, {
        method,
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
        ...(p.body !== undefined ? { body: p.body } : {}),
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      const ms = performance.now() - started;
      const text = new TextDecoder().decode(bytes);
      const responseHeaders: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        responseHeaders[name] = value;
      });
      let json: unknown;
      if (/[/+]json\b/.test(responseHeaders['content-type'] ?? '')) {
        try {
          json = JSON.parse(text);
        } catch {}
      }
      const response: RecordedResponse = {
        status: res.status,
        headers: responseHeaders,
        text,
        json,
        bytes: bytes.length,
        ms,
      };
      return { ...base, response };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { ...base, error: cause?.code ?? cause?.message ?? (error as Error).message };
    }
  }
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds; `undefined` when absent or unreadable. */
export function retryAfterMs(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
