import { Hash } from 'fast-sha256';
import { chunkIds, DEFAULT_MAX_URL_BYTES, MAX_IDS_PER_REQUEST, mapBounded } from './chunk.js';
import { FinumError, FinumNetworkError, FinumResponseError, FinumTimeoutError } from './errors.js';
import { SCHEMAS, SYNC_UNTIL_HEADER } from './generated/spec-data.js';
import { IdListSyntaxError, idListPages } from './id-list-stream.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import { checkSchema, type JsonSchema } from './schema-check.js';
import { createTokenSource, type PrivateKeyInput, type TokenSource } from './token.js';
import {
  buildUrl,
  type CallOptions,
  type FetchLike,
  type Logger,
  type RequestSpec,
  send,
  type TransportConfig,
  type TransportResponse,
  type WriteOptions,
} from './transport.js';
import type {
  AuthStatus,
  ClientCreate,
  ClientPatch,
  ContractCreate,
  ContractPatch,
  RecordType,
  RecordTypes,
  SigningAlgorithm,
} from './types.js';

/**
 * The options of {@link createClient}: the provider, the consumer's identity from onboarding,
 * and tuning (timeouts, retries, id-list splitting) that has defaults.
 *
 * @example
 * const options: ClientOptions = {
 *   baseUrl: 'https://syncapi.insurer.example',
 *   payload: { sub: 'acme-broker', aud: 'https://syncapi.insurer.example' },
 *   privateKey: readFileSync('acme.private.pem', 'utf8'),
 *   timeout: 10_000,
 *   logger: console,
 * };
 * const finum = createClient(options);
 */
export interface ClientOptions {
  /** The provider's API root, e.g. `https://syncapi.insurer.example` (without `/v1`). */
  baseUrl: string;
  /** The JWT payload from onboarding (`sub`, `aud`). */
  payload: Record<string, unknown>;
  /** The consumer's private key: PKCS#8 PEM, JWK, `CryptoKey` or (Node) `KeyObject`. */
  privateKey: PrivateKeyInput;
  /** Signing algorithm (default: from the key). */
  alg?: SigningAlgorithm;
  /** Key id header, when the consumer has several keys registered. */
  kid?: string;
  /** The `fetch` to use (default: the platform's); e.g. one with a proxy from `@finum-sync/client/node`. */
  fetch?: FetchLike;
  /** Per-attempt timeout, ms (default 30000). */
  timeout?: number;
  /** Retries after a first attempt that failed with a network error, 429, 502, 503 or 504 (default 4). */
  maxRetries?: number;
  /** Longest request URL for id lists, bytes (default 8192). */
  maxUrlBytes?: number;
  /** How many `T-list` requests of one call run at once (default 4). */
  concurrency?: number;
  /** Reports retries (`console` will do). */
  logger?: Logger;
  /** Sent as `User-Agent` where the platform allows it. */
  userAgent?: string;
  /** Lifetime of the tokens the client signs, seconds (default 900). */
  tokenTtlSeconds?: number;
  /** Backoff tuning: base and cap of the exponential backoff, longest `Retry-After` honoured (ms). */
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
  /** The clock, epoch ms (default `Date.now`): tokens and `Retry-After` dates are read against it. */
  now?: () => number;
  /**
   * Check every answer against the spec's schemas (default `true`): off-schema data is a
   * `FinumResponseError`. Costs about a quarter of the answer's `JSON.parse` (0.4 ms for 1,000
   * contracts, see BENCHMARKS.md); `false` trusts the provider.
   */
  validateResponses?: boolean;
}

/**
 * What a `T-list` call found: the records in the order asked, and the ids not returned.
 *
 * @example
 * const { records, missing }: ListResult<Contract> = await finum.contracts.list({ ids: ['123', '43948'] });
 * if (missing.length > 0) console.warn('not visible to us:', missing);
 */
export interface ListResult<T> {
  records: T[];
  /** Ids asked for that the provider did not return (unknown, or not visible to this consumer). */
  missing: string[];
}

/**
 * A `T-id-list-updated` answer.
 *
 * @example
 * const { ids, syncUntil }: ChangedIds = await finum.clients.changedIds({ since: await loadWatermark() });
 * const { records } = await finum.clients.list({ ids });
 * await saveWatermark(syncUntil);
 */
export interface ChangedIds {
  ids: string[];
  /** `X-Sync-Until`: pass it as the next `since` to miss no change. */
  syncUntil: string;
}

/**
 * A `T-id-list-updated` answer read as it arrives: the watermark (from the headers) at once,
 * the ids in pages. Iterate `pages` once; a body that is not a JSON array of ids fails the
 * iteration with a `FinumResponseError` after the pages read before it.
 *
 * @example
 * const { syncUntil, pages }: ChangedIdPages = await finum.files.changedIdPages({ since, pageSize: 500 });
 * for await (const ids of pages) console.log(`${ids.length} changed files`);
 * await saveWatermark(syncUntil);
 */
export interface ChangedIdPages {
  /** `X-Sync-Until` (else the request time minus 5 minutes): pass it as the next `since` once every page is handled. */
  syncUntil: string;
  /** The ids in pages of at most `pageSize`, in the provider's order. */
  pages: AsyncIterable<string[]>;
}

/**
 * A time for `since`: an RFC 3339 string (e.g. a stored `syncUntil`) or a `Date`.
 *
 * @example
 * const since: Since = new Date(Date.now() - 24 * 3600_000); // or '2026-01-01T00:00:00Z'
 * const { ids } = await finum.contracts.changedIds({ since });
 */
export type Since = string | Date;

/**
 * One step of {@link FinumClient.changes}: records (tombstones included); the last step also carries the watermark.
 *
 * @example
 * for await (const batch of finum.changes('client', { since })) {
 *   const { records, missing, watermark }: ChangeBatch<Client> = batch;
 *   for (const record of records) await (record.deleted ? mirror.remove(record.id) : mirror.put(record));
 *   if (watermark) await saveWatermark(watermark);
 * }
 */
export interface ChangeBatch<T> {
  records: T[];
  /** Ids reported as changed whose records the provider no longer showed. */
  missing: string[];
  /** Present on the last batch only: store it and pass it as the next `since`. */
  watermark?: string;
}

/**
 * A file download: a stream whose end is checked against the file's sha256.
 *
 * @example
 * const download: Download = await finum.files.download('f-1');
 * const bytes = await download.bytes(); // or pipe download.body somewhere
 * console.log(download.mimeType, download.size, download.sha256);
 */
export interface Download {
  /** The bytes; the stream errors with a `FinumResponseError` if they do not match the sha256. */
  body: ReadableStream<Uint8Array>;
  mimeType: string;
  size: number | undefined;
  /** The sha256 the bytes are checked against (the `ETag`, or the one you passed). */
  sha256: string | undefined;
  /** Reads the whole body (checked). */
  bytes(): Promise<Uint8Array>;
}

/**
 * A document to upload with {@link FileOperations.upload}, attached to a contract or a client.
 *
 * @example
 * const input: UploadInput = {
 *   file: new Blob([pdfBytes], { type: 'application/pdf' }),
 *   name: 'proposal-43948.pdf',
 *   contractId: '43948',
 *   category: 'proposal',
 * };
 * const file = await finum.files.upload(input);
 */
export interface UploadInput {
  /** The document's bytes, with its media type as `type`. */
  file: Blob;
  /** File name (default: the `File`'s name, else `document`). */
  name?: string;
  contractId?: string;
  clientId?: string;
  category: string;
}

/**
 * Read operations of one record type.
 *
 * @example
 * const products: ReadOperations<Product> = finum.products;
 * const { ids } = await products.changedIds();
 * const { records } = await products.list({ ids });
 */
export interface ReadOperations<T> {
  /** Records by id, any number: split into calls of ≤ 1,000 ids and ≤ `maxUrlBytes`, merged in the order given. */
  list(filter: { ids: readonly string[] }, options?: CallOptions): Promise<ListResult<T>>;
  /** Ids of records created, changed or deleted at or after `since` (all ids without it), and the watermark. */
  changedIds(query?: { since?: Since }, options?: CallOptions): Promise<ChangedIds>;
  /**
   * `changedIds` without the whole list in memory: resolves once the headers are in, and
   * parses the body incrementally into pages of `pageSize` ids (default 1,000). The
   * per-call `timeout` covers the answer's headers; the body is read as fast as you consume it.
   *
   * @example
   * const { syncUntil, pages } = await finum.contracts.changedIdPages({ since });
   * for await (const ids of pages) await mirror.put((await finum.contracts.list({ ids })).records);
   * await saveWatermark(syncUntil);
   */
  changedIdPages(query?: { since?: Since; pageSize?: number }, options?: CallOptions): Promise<ChangedIdPages>;
}

/**
 * `finum.clients`: the read operations, a lookup by the consumer's own `externalId`, create and update.
 *
 * @example
 * const clients: ClientOperations = finum.clients;
 * const created = await clients.create({ type: 'person', firstName: 'Anna', lastName: 'Huber', externalId: 'crm-4711' });
 * const { records } = await clients.list({ externalId: 'crm-4711' });
 * await clients.update({ id: created.id, phone: '+43 660 1234567' });
 */
export interface ClientOperations extends ReadOperations<RecordTypes['client']> {
  list(
    filter: { ids: readonly string[] } | { externalId: string },
    options?: CallOptions,
  ): Promise<ListResult<RecordTypes['client']>>;
  create(client: ClientCreate, options?: WriteOptions): Promise<RecordTypes['client']>;
  update(patch: ClientPatch, options?: CallOptions): Promise<RecordTypes['client']>;
}

/**
 * `finum.contracts`: the read operations, a lookup by holder, create and update (status changes).
 *
 * @example
 * const contracts: ContractOperations = finum.contracts;
 * const { records } = await contracts.list({ holderId: 'cl-1' });
 * const contract = await contracts.create({ holderId: 'cl-1', productId: 'p-1', premium: '42.00', currency: 'EUR' });
 * await contracts.update({ id: contract.id, status: 230 });
 */
export interface ContractOperations extends ReadOperations<RecordTypes['contract']> {
  list(
    filter: { ids: readonly string[] } | { holderId: string },
    options?: CallOptions,
  ): Promise<ListResult<RecordTypes['contract']>>;
  create(contract: ContractCreate, options?: WriteOptions): Promise<RecordTypes['contract']>;
  update(patch: ContractPatch, options?: CallOptions): Promise<RecordTypes['contract']>;
}

/**
 * `finum.files`: the read operations, upload and a checked download.
 *
 * @example
 * const files: FileOperations = finum.files;
 * const file = await files.upload({ file: pdf, contractId: '43948', category: 'proposal' });
 * const bytes = await (await files.download(file.id)).bytes();
 */
export interface FileOperations extends ReadOperations<RecordTypes['file']> {
  upload(input: UploadInput, options?: WriteOptions): Promise<RecordTypes['file']>;
  download(id: string, options?: CallOptions & { sha256?: string }): Promise<Download>;
}

/**
 * What {@link createClient} returns: an operations object per record type, `authStatus`,
 * `changes` and the token source.
 *
 * @example
 * const finum: FinumClient = createClient({ baseUrl: 'https://syncapi.insurer.example', payload, privateKey });
 * const { consumerId, tokenExpiresAt } = await finum.authStatus();
 * const { records } = await finum.contracts.list({ ids: ['123'] });
 */
export interface FinumClient {
  clients: ClientOperations;
  contracts: ContractOperations;
  products: ReadOperations<RecordTypes['product']>;
  users: ReadOperations<RecordTypes['user']>;
  files: FileOperations;
  /** `GET /v1/auth-status`: whose token this is and when it expires. */
  authStatus(options?: CallOptions): Promise<AuthStatus>;
  /**
   * Everything of one type changed since `since`: batches of records (tombstones with
   * `deleted: true` included), the last batch carrying the watermark to store.
   *
   * @example
   * for await (const batch of client.changes('contract', { since: await loadWatermark() })) {
   *   for (const record of batch.records) await mirror.put(record);
   *   if (batch.watermark) await saveWatermark(batch.watermark);
   * }
   */
  changes<K extends RecordType>(
    type: K,
    query?: { since?: Since; batchSize?: number },
    options?: CallOptions,
  ): AsyncIterable<ChangeBatch<RecordTypes[K]>>;
  /** The token source (cached tokens); `tokens.signed` counts signatures. */
  readonly tokens: TokenSource;
}

const RECORD_SCHEMA: Record<RecordType, JsonSchema> = {
  client: SCHEMAS.Client,
  product: SCHEMAS.Product,
  user: SCHEMAS.User,
  contract: SCHEMAS.Contract,
  file: SCHEMAS.File,
};

const listSchemas = Object.fromEntries(
  Object.entries(RECORD_SCHEMA).map(([type, items]) => [type, { type: 'array', items } satisfies JsonSchema]),
) as Record<RecordType, JsonSchema>;

const FIVE_MINUTES = 5 * 60_000;

/** A JSON answer, checked against its schema (unless `schema` is `undefined`). */
function parseChecked<T>(result: TransportResponse, schema: JsonSchema | undefined, operation: string): T {
  const context = { requestId: result.requestId, operation };
  let value: unknown;
  try {
    value = JSON.parse(result.text ?? '');
  } catch {
    throw new FinumResponseError(`${operation}: the answer is not JSON`, [], context);
  }
  if (schema) assertConforms(schema, value, operation, context);
  return value as T;
}

/** Throws a {@link FinumResponseError} naming the first violations when `value` is off-schema. */
function assertConforms(
  schema: JsonSchema,
  value: unknown,
  operation: string,
  context: { requestId: string; operation: string },
): void {
  const violations = checkSchema(schema, value);
  if (violations.length === 0) return;
  const shown = violations
    .slice(0, 5)
    .map((v) => `${v.path} ${v.message}`)
    .join('; ');
  throw new FinumResponseError(
    `${operation}: the answer does not conform to the FiNUM Sync schema: ${shown}`,
    violations,
    context,
  );
}

const sinceText = (since: Since | undefined) => (since instanceof Date ? since.toISOString() : since);

const hexOf = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** A stream that passes bytes through and fails at its end when their sha256 differs from `expected`. */
function sha256Checked(expected: string, fail: (actual: string) => Error): TransformStream<Uint8Array, Uint8Array> {
  const hash = new Hash();
  return new TransformStream({
    transform(chunk, controller) {
      hash.update(chunk);
      controller.enqueue(chunk);
    },
    flush(controller) {
      const actual = hexOf(hash.digest());
      if (actual !== expected) controller.error(fail(actual));
    },
  });
}

/**
 * The pieces of a body, failing with `timeout()` when none arrives within `idleMs` and with
 * the signal's reason once it aborts; the body is cancelled when reading stops early.
 */
async function* readWithIdleTimeout(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  signal: AbortSignal | undefined,
  timeout: () => Error,
): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      signal?.throwIfAborted();
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      const stopped = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeout()), idleMs);
        onAbort = () => reject(signal!.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      try {
        const { done, value } = await Promise.race([reader.read(), stopped]);
        if (done) return;
        yield value;
      } finally {
        clearTimeout(timer);
        if (onAbort) signal?.removeEventListener('abort', onAbort);
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * A client for one FiNUM Sync provider: signs and caches its own tokens, retries what is
 * safe to retry, splits id lists, checks answers against the spec's schemas.
 *
 * @example
 * const finum = createClient({ baseUrl: 'https://syncapi.insurer.example', payload, privateKey: pem });
 * const { records } = await finum.contracts.list({ ids: ['123', '43948'] });
 */
export function createClient(options: ClientOptions): FinumClient {
  const now = options.now ?? Date.now;
  const tokens = createTokenSource({
    payload: options.payload,
    privateKey: options.privateKey,
    now,
    ...(options.alg ? { alg: options.alg } : {}),
    ...(options.kid ? { kid: options.kid } : {}),
    ...(options.tokenTtlSeconds ? { ttlSeconds: options.tokenTtlSeconds } : {}),
  });
  const config: TransportConfig = {
    baseUrl: options.baseUrl,
    tokens,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timeoutMs: options.timeout ?? 30_000,
    retry: {
      ...DEFAULT_RETRY_POLICY,
      ...options.retry,
      maxRetries: options.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries,
    },
    userAgent: options.userAgent,
    logger: options.logger,
    now,
    random: Math.random,
    randomId: () => crypto.randomUUID(),
  };
  const maxUrlBytes = options.maxUrlBytes ?? DEFAULT_MAX_URL_BYTES;
  const concurrency = options.concurrency ?? 4;

  const validate = options.validateResponses ?? true;
  const call = async <T>(spec: RequestSpec, schema: JsonSchema): Promise<T> =>
    parseChecked<T>(await send(config, spec), validate ? schema : undefined, `${spec.method} ${spec.path}`);

  async function listByIds<T extends { id: string }>(
    type: RecordType,
    ids: readonly string[],
    opts: CallOptions = {},
  ): Promise<ListResult<T>> {
    const path = `/v1/${type}-list`;
    const room = maxUrlBytes - buildUrl(config.baseUrl, path, { 'id-list': '' }).length;
    const chunks = chunkIds(ids, { maxIds: MAX_IDS_PER_REQUEST, maxBytes: room });
    const parts = await mapBounded(chunks, concurrency, (chunk) =>
      call<T[]>({ ...opts, method: 'GET', path, query: { 'id-list': chunk.join(',') } }, listSchemas[type]),
    );
    const records: T[] = [];
    const missing: string[] = [];
    for (let c = 0; c < chunks.length; c++) {
      const chunk = chunks[c]!;
      const part = parts[c]!;
      // The usual answer: every id, in the order asked; nothing to look up.
      let inOrder = part.length === chunk.length;
      for (let i = 0; inOrder && i < chunk.length; i++) inOrder = part[i]!.id === chunk[i];
      if (inOrder) {
        for (const record of part) records.push(record);
        continue;
      }
      const byId = new Map<string, T>();
      for (const record of part) byId.set(record.id, record);
      for (const id of chunk) {
        const record = byId.get(id);
        if (record) records.push(record);
        else missing.push(id);
      }
    }
    return { records, missing };
  }

  function readOperations<K extends RecordType>(type: K, filters: Record<string, string> = {}) {
    return {
      async list(filter: Record<string, unknown>, opts?: CallOptions): Promise<ListResult<RecordTypes[K]>> {
        if (Array.isArray(filter.ids)) return listByIds(type, filter.ids as string[], opts);
        const entry = Object.entries(filters).find(([key]) => typeof filter[key] === 'string');
        if (!entry) throw new TypeError(`${type}s.list needs ${['ids', ...Object.keys(filters)].join(' or ')}`);
        const [key, param] = entry;
        const records = await call<RecordTypes[K][]>(
          { ...opts, method: 'GET', path: `/v1/${type}-list`, query: { [param]: filter[key] as string } },
          listSchemas[type],
        );
        return { records, missing: [] };
      },
      async changedIds(query: { since?: Since } = {}, opts?: CallOptions): Promise<ChangedIds> {
        const path = `/v1/${type}-id-list-updated`;
        const askedAt = now();
        const result = await send(config, { ...opts, method: 'GET', path, query: { since: sinceText(query.since) } });
        const ids = parseChecked<string[]>(result, validate ? SCHEMAS.IdList : undefined, `GET ${path}`);
        // SPEC §6: without the header, the request time minus 5 minutes misses nothing.
        const syncUntil =
          result.response.headers.get(SYNC_UNTIL_HEADER) ?? new Date(askedAt - FIVE_MINUTES).toISOString();
        return { ids, syncUntil };
      },
      async changedIdPages(
        query: { since?: Since; pageSize?: number } = {},
        opts?: CallOptions,
      ): Promise<ChangedIdPages> {
        const path = `/v1/${type}-id-list-updated`;
        const operation = `GET ${path}`;
        const askedAt = now();
        const result = await send(config, {
          ...opts,
          method: 'GET',
          path,
          query: { since: sinceText(query.since) },
          stream: true,
        });
        const syncUntil =
          result.response.headers.get(SYNC_UNTIL_HEADER) ?? new Date(askedAt - FIVE_MINUTES).toISOString();
        const context = { requestId: result.requestId, operation };
        const body = result.response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
        // The transport's timeout ends with the headers: the body gets the same time between
        // two pieces, so a provider that stalls mid-list fails the call instead of hanging it.
        const idleMs = opts?.timeout ?? config.timeoutMs;
        const bytes = readWithIdleTimeout(body, idleMs, opts?.signal, () => new FinumTimeoutError(idleMs, context));
        async function* pages(): AsyncGenerator<string[]> {
          try {
            for await (const page of idListPages(bytes, query.pageSize ?? MAX_IDS_PER_REQUEST)) {
              if (validate) assertConforms(SCHEMAS.IdList, page, operation, context);
              yield page;
            }
          } catch (error) {
            if (error instanceof IdListSyntaxError) {
              throw new FinumResponseError(
                `${operation}: the answer is not a JSON array of ids: ${error.message}`,
                [{ path: 'body', message: error.message }],
                context,
              );
            }
            if (error instanceof FinumError || opts?.signal?.aborted) throw error;
            // The connection broke while the body was read.
            throw new FinumNetworkError(`${operation} failed: ${(error as Error)?.message ?? error}`, {
              ...context,
              cause: error,
            });
          }
        }
        return { syncUntil, pages: pages() };
      },
    };
  }

  const write = <T>(method: 'POST' | 'PATCH', type: RecordType, body: unknown, opts: WriteOptions = {}) =>
    call<T>({ ...opts, method, path: `/v1/${type}`, body }, RECORD_SCHEMA[type]);

  const client: FinumClient = {
    tokens,
    clients: {
      ...readOperations('client', { externalId: 'external-id' }),
      create: (body, opts) => write('POST', 'client', body, opts),
      update: (patch, opts) => write('PATCH', 'client', patch, opts),
    } as ClientOperations,
    contracts: {
      ...readOperations('contract', { holderId: 'holder-id' }),
      create: (body, opts) => write('POST', 'contract', body, opts),
      update: (patch, opts) => write('PATCH', 'contract', patch, opts),
    } as ContractOperations,
    products: readOperations('product') as ReadOperations<RecordTypes['product']>,
    users: readOperations('user') as ReadOperations<RecordTypes['user']>,
    files: {
      ...readOperations('file'),
      upload(input, opts) {
        const form = new FormData();
        if (input.contractId) form.append('contractId', input.contractId);
        if (input.clientId) form.append('clientId', input.clientId);
        form.append('category', input.category);
        form.append('file', input.file, input.name ?? (input.file as File).name ?? 'document');
        return write('POST', 'file', form, opts);
      },
      async download(id, opts = {}) {
        const path = '/v1/file-download';
        const result = await send(config, { ...opts, method: 'GET', path, query: { id }, stream: true });
        const { response } = result;
        const etag = /^(?:W\/)?"?([a-f0-9]{64})"?$/.exec(response.headers.get('etag') ?? '')?.[1];
        const sha256 = opts.sha256 ?? etag;
        const length = response.headers.get('content-length');
        let body = response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
        if (sha256) {
          const fail = (actual: string) =>
            new FinumResponseError(
              `GET ${path}: the bytes of file ${id} have sha256 ${actual}, not ${sha256}`,
              [{ path: 'body', message: 'sha256 mismatch' }],
              { requestId: result.requestId, operation: `GET ${path}` },
            );
          body = body.pipeThrough(sha256Checked(sha256, fail));
        }
        return {
          body,
          mimeType: response.headers.get('content-type') ?? 'application/octet-stream',
          size: length === null ? undefined : Number(length),
          sha256,
          bytes: async () => new Uint8Array(await new Response(body).arrayBuffer()),
        };
      },
    } as FileOperations,
    authStatus: (opts) => call<AuthStatus>({ ...opts, method: 'GET', path: '/v1/auth-status' }, SCHEMAS.AuthStatus),
    async *changes(type, query = {}, opts = {}) {
      const { ids, syncUntil } = await readOperations(type).changedIds({ since: query.since }, opts);
      const batchSize = query.batchSize ?? MAX_IDS_PER_REQUEST;
      for (let start = 0; start < ids.length; start += batchSize) {
        const { records, missing } = await listByIds<RecordTypes[typeof type]>(
          type,
          ids.slice(start, start + batchSize),
          opts,
        );
        yield { records, missing };
      }
      yield { records: [], missing: [], watermark: syncUntil };
    },
  };
  return client;
}
