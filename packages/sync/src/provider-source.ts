import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { signToken } from '@finum-sync/client';
import { MAX_IDS_PER_CALL, type RecordType, SYNC_UNTIL_HEADER } from '@finum-sync/spec';
import type { ProviderRecord } from './planner.js';

/**
 * The port the runner reads a provider through: the three calls of the sync flow
 * (SPEC §6). Tests and other transports (the SDK, a recorded provider) implement it.
 */
export interface ProviderSource {
  /** `T-id-list-updated?since=`: the ids and the provider's watermark (`null` without `X-Sync-Until`). */
  changedIds(
    type: RecordType,
    since: string | null,
  ): Promise<{ ids: string[]; syncUntil: string | null; requestedAt: number }>;
  /** `T-list?id-list=`: the visible records among `ids` (split into as many calls as needed). */
  fetch(type: RecordType, ids: readonly string[]): Promise<ProviderRecord[]>;
  /** `file-download?id=`: the bytes and their SHA-256 (hex), computed here. */
  download(fileId: string): Promise<{ bytes: Uint8Array; sha256: string }>;
}

/** A provider's answer other than 2xx, or a network failure. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    message: string,
    /** HTTP status; undefined for a network error. */
    readonly status: number | undefined,
    /** `Retry-After` in ms, when the provider sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Network errors, 429 and 5xx are worth another attempt; other 4xx are not. */
  get retryable(): boolean {
    return this.status === undefined || this.status === 429 || this.status >= 500;
  }
}

export interface HttpSourceOptions {
  /** The provider's base URL, e.g. `https://syncapi.example-insurer.com` (`/v1` is added). */
  baseUrl: string;
  /** The JWT payload from onboarding (`sub`, `aud`). */
  payload: Record<string, unknown>;
  /** The consumer's private key (PEM or KeyObject). */
  privateKey: string | KeyObject;
  /** Injected for tests and proxies; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Longest request URL (default 8 KiB, what proxies commonly accept). */
  maxUrlBytes?: number;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  /** Injected clock (epoch ms). */
  now?: () => number;
}

const TOKEN_TTL_S = 300;
/** A token is renewed this long before it expires. */
const TOKEN_RENEW_MS = 60_000;

/** Parses `Retry-After`: seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Splits ids into groups whose `id-list` query stays within `maxBytes` and the documented maximum. */
export function splitIdList(ids: readonly string[], maxBytes: number): string[][] {
  const groups: string[][] = [];
  let group: string[] = [];
  let bytes = 0;
  for (const id of ids) {
    const size = encodeURIComponent(id).length + 3; // the comma, encoded
    if (group.length > 0 && (group.length >= MAX_IDS_PER_CALL || bytes + size > maxBytes)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(id);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * A ProviderSource over HTTP: signs short-lived tokens with the consumer's key (renewed
 * before expiry) and turns every non-2xx answer into a ProviderError. Retrying is the
 * planner's business (it backs off and records failures), so this adapter never retries.
 *
 * @example
 * const source = httpSource({ baseUrl: 'https://syncapi.example.com', payload, privateKey: pem });
 * const { ids, syncUntil } = await source.changedIds('contract', null);
 */
export function httpSource(options: HttpSourceOptions): ProviderSource {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const base = options.baseUrl.replace(/\/+$/, '');
  const key = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
  // Room for the base and the path in the URL budget.
  const idBudget = (options.maxUrlBytes ?? 8192) - base.length - 40;
  let token: { jwt: string; expiresMs: number } | undefined;

  async function bearer(): Promise<string> {
    const at = now();
    if (!token || token.expiresMs - TOKEN_RENEW_MS <= at) {
      token = {
        jwt: await signToken({ payload: options.payload, privateKey: key, ttlSeconds: TOKEN_TTL_S, now: at }),
        expiresMs: at + TOKEN_TTL_S * 1000,
      };
    }
    return token.jwt;
  }

  async function get(path: string): Promise<Response> {
    let response: Response;
    try {
      response = await doFetch(`${base}/v1/${path}`, {
        headers: { authorization: `Bearer ${await bearer()}`, accept: 'application/json' },
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new ProviderError(
        `${base}: ${(error as Error).name === 'TimeoutError' ? 'no answer in time' : `unreachable${cause ? ` (${cause})` : ''}`}`,
        undefined,
      );
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => '');
    let detail = text.slice(0, 200);
    try {
      const problem = JSON.parse(text) as { detail?: string; title?: string };
      detail = problem.detail ?? problem.title ?? detail;
    } catch {}
    throw new ProviderError(
      `${base}: ${path.split('?')[0]} answered ${response.status}${detail ? `: ${detail}` : ''}`,
      response.status,
      parseRetryAfter(response.headers.get('retry-after'), now()),
    );
  }

  return {
    async changedIds(type, since) {
      const requestedAt = now();
      const response = await get(`${type}-id-list-updated${since ? `?since=${encodeURIComponent(since)}` : ''}`);
      const ids = (await response.json()) as string[];
      return { ids, syncUntil: response.headers.get(SYNC_UNTIL_HEADER), requestedAt };
    },
    async fetch(type, ids) {
      const records: ProviderRecord[] = [];
      for (const group of splitIdList(ids, idBudget)) {
        const response = await get(`${type}-list?id-list=${group.map(encodeURIComponent).join(',')}`);
        records.push(...((await response.json()) as ProviderRecord[]));
      }
      return records;
    },
    async download(fileId) {
      const response = await get(`file-download?id=${encodeURIComponent(fileId)}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
    },
  };
}
