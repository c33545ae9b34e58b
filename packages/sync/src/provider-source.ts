import { createHash } from 'node:crypto';
import {
  createClient,
  type FinumClient,
  FinumError,
  FinumProblemError,
  FinumResponseError,
  type PrivateKeyInput,
  parseRetryAfter,
  type ReadOperations,
} from '@finum-sync/client';
import { type RecordType, SYNC_UNTIL_HEADER } from '@finum-sync/spec/constants';
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
  /**
   * The same listing, streamed (optional; the runner prefers it): the ids in pages as they
   * arrive, so a long list is never held whole. `syncUntil` as for `changedIds`.
   */
  changedIdPages?(
    type: RecordType,
    since: string | null,
  ): Promise<{ pages: AsyncIterable<string[]>; syncUntil: string | null; requestedAt: number }>;
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

export interface SdkSourceOptions {
  /** The provider's base URL, e.g. `https://syncapi.example-insurer.com` (without `/v1`). */
  baseUrl: string;
  /** The JWT payload from onboarding (`sub`, `aud`). */
  payload: Record<string, unknown>;
  /** The consumer's private key: PEM, JWK, CryptoKey or KeyObject. */
  privateKey: PrivateKeyInput;
  /** Injected for tests and proxies; defaults to the global fetch. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  /** Injected clock (epoch ms). */
  now?: () => number;
  /**
   * Longest request URL for `T-list?id-list=` (default 60 KiB): SPEC §6 has providers accept
   * request lines up to 64 KiB, so 1,000 ids go in one request instead of the SDK's
   * proxy-safe 8 KiB (5 requests). Lower it for a provider behind a stricter proxy.
   */
  maxUrlBytes?: number;
}

/** The engine's default URL limit: SPEC §6's 64 KiB request line, less room for the method, version and headroom. */
export const DEFAULT_SYNC_MAX_URL_BYTES = 60 * 1024;

type Operations = Pick<FinumClient, 'clients' | 'contracts' | 'products' | 'users' | 'files'>;
const OPERATIONS = {
  client: 'clients',
  contract: 'contracts',
  product: 'products',
  user: 'users',
  file: 'files',
} as const satisfies Record<RecordType, keyof Operations>;

/**
 * A ProviderSource over the SDK (`createClient`: tokens signed and renewed, id lists split
 * by count and URL bytes, answers checked against the spec's schemas).
 *
 * Two decisions: the SDK does not retry here (`maxRetries: 0`), because retrying is the
 * planner's — every attempt is then counted against the stream's budget, recorded, and a
 * long `Retry-After` ends the stream instead of holding up the run. And the responses are
 * observed through the injected `fetch`, for what the SDK does not hand on: whether
 * `X-Sync-Until` was present (the SDK fills in request time − 5 min; the engine wants its
 * configurable overlap and a warning) and the `Retry-After` of a refused call.
 *
 * @example
 * const source = sdkSource({ baseUrl: 'https://syncapi.example.com', payload, privateKey: pem });
 * const { ids, syncUntil } = await source.changedIds('contract', null);
 */
export function sdkSource(options: SdkSourceOptions): ProviderSource {
  const now = options.now ?? Date.now;
  const baseFetch = options.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init));
  /** What the last answer of each path said that the SDK does not return. */
  const observed = new Map<string, { syncUntil: string | null; retryAfterMs: number | undefined }>();
  const pathOf = (url: string) => new URL(url).pathname;
  const client = createClient({
    baseUrl: options.baseUrl,
    payload: options.payload,
    privateKey: options.privateKey,
    maxRetries: 0,
    timeout: options.timeoutMs ?? 60_000,
    now,
    userAgent: 'finum-sync-sync',
    maxUrlBytes: options.maxUrlBytes ?? DEFAULT_SYNC_MAX_URL_BYTES,
    async fetch(input, init) {
      const response = await baseFetch(input, init);
      observed.set(pathOf(input), {
        syncUntil: response.headers.get(SYNC_UNTIL_HEADER),
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now()),
      });
      return response;
    },
  });
  const base = options.baseUrl.replace(/\/+$/, '');

  /** SDK errors as ProviderErrors: a status and Retry-After the planner can act on. */
  const call = async <T>(path: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw providerError(path, error);
    }
  };
  const providerError = (path: string, error: unknown): unknown => {
    if (error instanceof FinumProblemError) {
      return new ProviderError(
        `${base}: ${path} answered ${error.status}: ${error.detail || error.title}`,
        error.status,
        observed.get(`/v1/${path}`)?.retryAfterMs,
      );
    }
    if (error instanceof FinumResponseError) {
      // A 2xx whose body breaks the spec: not worth retrying.
      return new ProviderError(`${base}: ${path}: ${error.message}`, 200);
    }
    if (error instanceof FinumError) return new ProviderError(`${base}: ${error.message}`, undefined);
    return error;
  };

  return {
    async changedIds(type, since) {
      const requestedAt = now();
      const path = `${type}-id-list-updated`;
      const { ids } = await call(path, () => client[OPERATIONS[type]].changedIds(since === null ? {} : { since }));
      return { ids, syncUntil: observed.get(`/v1/${path}`)?.syncUntil ?? null, requestedAt };
    },
    async changedIdPages(type, since) {
      const requestedAt = now();
      const path = `${type}-id-list-updated`;
      const listing = await call(path, () => client[OPERATIONS[type]].changedIdPages(since === null ? {} : { since }));
      async function* pages() {
        try {
          yield* listing.pages;
        } catch (error) {
          throw providerError(path, error);
        }
      }
      return { pages: pages(), syncUntil: observed.get(`/v1/${path}`)?.syncUntil ?? null, requestedAt };
    },
    async fetch(type, ids) {
      // Every type's list answers records with the meta fields the planner reads.
      const operations = client[OPERATIONS[type]] as ReadOperations<ProviderRecord>;
      const { records } = await call(`${type}-list`, () => operations.list({ ids }));
      return records;
    },
    async download(fileId) {
      const download = await call('file-download', () => client.files.download(fileId));
      const bytes = await call('file-download', () => download.bytes());
      return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
    },
  };
}
