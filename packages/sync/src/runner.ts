import { setTimeout as sleep } from 'node:timers/promises';
import { RECORD_TYPES, type RecordType } from '@finum-sync/spec/constants';
import type { MirrorStore } from './mirror/mirror-store.js';
import {
  actionFor,
  DEFAULT_PLAN_OPTIONS,
  type Failure,
  IdChunker,
  initialState,
  type PlanOptions,
  type ProviderRecord,
  type StreamAction,
  type StreamEvent,
  type StreamState,
  step,
  type Tally,
} from './planner.js';
import { ProviderError, type ProviderSource } from './provider-source.js';

/**
 * The sliver of the mirror a stream's run needs (ARCHITECTURE.md example 4): the mirror
 * database implements it, and so does the Airbyte adapter, which keeps the stream's state
 * in STATE messages instead of tables.
 */
export type StreamStore = Pick<
  MirrorStore,
  'readStream' | 'readChunks' | 'markAttempt' | 'openWindow' | 'writeChunk' | 'advance' | 'markFailure'
> &
  /**
   * When present, a batch of chunks is written in one transaction (`writeChunks`), and a
   * listing goes into the store as it arrives (`stageListing`).
   */
  Partial<Pick<MirrorStore, 'writeChunks' | 'stageListing'>>;

/** What happened to one stream in a run. */
export interface StreamResult {
  provider: string;
  type: RecordType;
  ok: boolean;
  tally: Tally;
  /** The stored watermark after the run (unchanged when it failed). */
  watermark: string | null;
  warning: string | null;
  error: string | null;
  durationMs: number;
  /** The run resumed a window a previous run left unfinished. */
  resumed: boolean;
}

/** Progress of a stream, for terminals and logs. */
export interface ProgressEvent {
  provider: string;
  type: RecordType;
  state: StreamState;
}

export interface RunStreamOptions {
  plan?: Partial<PlanOptions>;
  /** `full`: list everything and remove what the provider no longer lists (reset, verify). */
  full?: boolean;
  /** Called after every transition. */
  onProgress?: (event: ProgressEvent) => void;
  /** Injected clock (epoch ms). */
  now?: () => number;
  /** Stops the run between actions; the window stays open for the next run. */
  signal?: AbortSignal;
}

/** A failure as the planner sees it: provider errors by their status, anything else (the database) as final. */
export function toFailure(error: unknown): Failure {
  if (error instanceof ProviderError) {
    return {
      message: error.message,
      retryable: error.retryable,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
  return { message: `mirror: ${(error as Error)?.message ?? String(error)}`, retryable: false };
}

/**
 * Runs one stream (a provider's record type) to `done` or `failed`: asks the planner what
 * to do, does it, feeds the answer back. All I/O of the engine happens here.
 *
 * @example
 * const result = await runStream(sdkSource({ baseUrl, payload, privateKey }), mirror, 'acme', 'contract');
 * if (!result.ok) console.error(result.error);
 */
export async function runStream(
  source: ProviderSource,
  mirror: StreamStore,
  provider: string,
  type: RecordType,
  options: RunStreamOptions = {},
): Promise<StreamResult> {
  const plan: PlanOptions = { ...DEFAULT_PLAN_OPTIONS, ...options.plan };
  const now = options.now ?? Date.now;
  const started = now();
  const iso = () => new Date(now()).toISOString();
  const result = (state: StreamState, watermark: string | null, error: string | null): StreamResult => ({
    provider,
    type,
    ok: state.kind === 'done',
    tally: state.tally,
    watermark,
    warning: state.kind === 'done' ? state.warning : null,
    error,
    durationMs: now() - started,
    resumed,
  });

  let stored: Awaited<ReturnType<StreamStore['readStream']>>;
  let resumed = false;
  try {
    await mirror.markAttempt(provider, type, iso());
    stored = await mirror.readStream(provider, type);
  } catch (error) {
    return result(
      {
        kind: 'failed',
        tally: initialState({ watermark: null, window: null, resetRequested: false }).tally,
        attempt: 0,
        failure: toFailure(error),
      },
      null,
      toFailure(error).message,
    );
  }
  let state = initialState(stored, options.full ? { full: true } : {});
  resumed = state.kind === 'fetching' || state.kind === 'advancing';

  const fetchChunks = async (indexes: readonly number[]) => {
    const chunks = await mirror.readChunks(provider, type, indexes);
    return Promise.all(chunks.map((chunk) => source.fetch(type, chunk.ids)));
  };
  /**
   * The next batch's fetch, started before the current batch is written, so the provider
   * answers while the mirror writes (one batch ahead at most). It only reads: a chunk stays
   * pending until its own write commits, so a stop or a failure loses nothing; a failed
   * action drops it and the retry fetches afresh.
   */
  let ahead: { key: string; records: Promise<ProviderRecord[][]> } | null = null;
  /** Starts the fetch of the next batch of `pending` unless it is already under way. */
  const fetchAhead = (pending: readonly number[]) => {
    if (pending.length === 0 || options.signal?.aborted) return;
    const next = pending.slice(0, plan.parallelChunks);
    const key = next.join(',');
    if (ahead?.key === key) return;
    const records = fetchChunks(next);
    // Awaited by the next fetch action; a rejection is that action's failure, never unhandled.
    records.catch(() => {});
    ahead = { key, records };
  };

  const perform = async (action: StreamAction): Promise<StreamEvent> => {
    switch (action.kind) {
      case 'list': {
        if (mirror.stageListing) {
          // Into the database as it arrives: a listing of any length is never held in memory.
          const stage = await mirror.stageListing(provider, type, { chunkSize: plan.chunkSize, full: action.full });
          const listed = source.changedIdPages
            ? await source.changedIdPages(type, action.since)
            : await source.changedIds(type, action.since);
          if ('pages' in listed) for await (const page of listed.pages) await stage.add(page);
          else await stage.add(listed.ids);
          return {
            kind: 'listed',
            staged: await stage.finish(),
            syncUntil: listed.syncUntil,
            requestedAt: listed.requestedAt,
          };
        }
        if (source.changedIdPages) {
          // Streamed: each page goes straight into the chunks; the list is never held whole.
          const listed = await source.changedIdPages(type, action.since);
          const chunker = new IdChunker(plan.chunkSize);
          for await (const page of listed.pages) chunker.add(page);
          return {
            kind: 'listed',
            chunks: chunker.finish(),
            syncUntil: listed.syncUntil,
            requestedAt: listed.requestedAt,
          };
        }
        const listed = await source.changedIds(type, action.since);
        return { kind: 'listed', ids: listed.ids, syncUntil: listed.syncUntil, requestedAt: listed.requestedAt };
      }
      case 'open-window':
        // A full window's listed ids are the chunks' ids: the mirror reads them from there.
        await mirror.openWindow(provider, type, action.window, action.chunks);
        return { kind: 'opened' };
      case 'fetch': {
        const key = action.chunks.join(',');
        const prefetched = ahead?.key === key ? ahead.records : null;
        ahead = null;
        const records = prefetched ?? fetchChunks(action.chunks);
        // The batch after this one, asked for now: the provider works on it while this
        // batch's answers are decoded and written, instead of waiting for the write to start.
        if (state.kind === 'fetching') fetchAhead(state.pending.slice(action.chunks.length));
        return { kind: 'fetched', records: await records };
      }
      case 'write': {
        if (state.kind === 'writing') fetchAhead(state.pending);
        if (mirror.writeChunks) {
          const batch = action.chunks.map((chunk, i) => ({
            chunk,
            records: action.records[i] as ProviderRecord[],
          }));
          return { kind: 'written', tally: await mirror.writeChunks(provider, type, action.window, batch) };
        }
        const tally = { created: 0, updated: 0, deleted: 0, unchanged: 0 };
        for (const [i, chunk] of action.chunks.entries()) {
          const written = await mirror.writeChunk(
            provider,
            type,
            action.window,
            chunk,
            action.records[i] as ProviderRecord[],
          );
          tally.created += written.created;
          tally.updated += written.updated;
          tally.deleted += written.deleted;
          tally.unchanged += written.unchanged;
        }
        return { kind: 'written', tally };
      }
      case 'advance':
        return { kind: 'advanced', removed: await mirror.advance(provider, type, action.window, iso()) };
      case 'wait':
        await sleep(
          Math.max(0, action.until - now()),
          undefined,
          options.signal ? { signal: options.signal } : {},
        ).catch(() => {});
        return { kind: 'waited' };
      case 'stop':
        throw new Error('unreachable: stop is not performed');
    }
  };

  // Bounded: every action either succeeds (the state moves on) or counts an attempt.
  for (;;) {
    const action = actionFor(state, plan);
    if (action.kind === 'stop') break;
    if (options.signal?.aborted) {
      state = {
        kind: 'failed',
        tally: state.tally,
        attempt: state.attempt,
        failure: { message: 'stopped', retryable: false },
      };
      break;
    }
    let event: StreamEvent;
    try {
      event = await perform(action);
    } catch (error) {
      event = { kind: 'failed', failure: toFailure(error) };
      ahead = null;
    }
    state = step(state, event, now(), plan);
    options.onProgress?.({ provider, type, state });
  }

  if (state.kind === 'done') return result(state, state.watermark, null);
  const message = state.kind === 'failed' ? state.failure.message : 'stopped';
  try {
    await mirror.markFailure(provider, type, message, iso());
  } catch {
    // The mirror itself is what failed; the result says so.
  }
  return result(state, stored.watermark, message);
}

/** One provider to sync. */
export interface ProviderJob {
  /** The provider's name in the mirror (its namespace). */
  provider: string;
  source: ProviderSource;
  types?: readonly RecordType[];
  /** Download file bytes after the file records. */
  files?: boolean;
}

export interface FilesResult {
  provider: string;
  downloaded: number;
  skipped: number;
  failed: number;
  error: string | null;
}

export interface ProviderResult {
  provider: string;
  streams: StreamResult[];
  files: FilesResult | null;
  ok: boolean;
}

/**
 * Downloads the bytes of every file record whose content the mirror does not hold for
 * its current sha256 (so unchanged files are skipped and a killed run resumes where it
 * stopped); each download is checked against the record's sha256.
 */
export async function syncFiles(
  source: ProviderSource,
  mirror: MirrorStore,
  provider: string,
  now: () => number = Date.now,
): Promise<FilesResult> {
  const result: FilesResult = { provider, downloaded: 0, skipped: 0, failed: 0, error: null };
  const missing = await mirror.missingFiles(provider);
  for (const file of missing) {
    const held = await mirror.getBlob(file.sha256);
    try {
      const bytes = held ?? (await source.download(file.id)).bytes;
      await mirror.putFileContent(provider, file.id, file.sha256, bytes, new Date(now()).toISOString());
      if (held) result.skipped++;
      else result.downloaded++;
    } catch (error) {
      // A file changed since its record was synced (another sha256) is fetched by the next run.
      result.failed++;
      result.error = (error as Error).message;
    }
  }
  return result;
}

/** Syncs the types of one provider one after another (they share its rate budget). */
export async function syncProvider(
  mirror: MirrorStore,
  job: ProviderJob,
  options: RunStreamOptions = {},
): Promise<ProviderResult> {
  const streams: StreamResult[] = [];
  for (const type of job.types ?? RECORD_TYPES) {
    const stream = await runStream(job.source, mirror, job.provider, type, options);
    streams.push(stream);
    // A provider that refuses or fails one type is left alone for this run (a 429, a 5xx or a
    // refused token concerns them all): its other watermarks stay, the next run tries again.
    if (!stream.ok) break;
  }
  const types = job.types ?? RECORD_TYPES;
  const fileStream = streams.find((s) => s.type === 'file');
  const files =
    job.files && types.includes('file') && fileStream?.ok
      ? await syncFiles(job.source, mirror, job.provider, options.now)
      : null;
  return {
    provider: job.provider,
    streams,
    files,
    ok: streams.length === types.length && streams.every((s) => s.ok) && (files === null || files.failed === 0),
  };
}

/**
 * Syncs several providers concurrently into one mirror. Each runs on its own: a slow
 * provider, or one answering 429 or 500, holds up only itself, and its watermarks stay.
 *
 * @example
 * const results = await syncAll(mirror, [{ provider: 'acme', source }, { provider: 'beta', source: other }]);
 */
export function syncAll(
  mirror: MirrorStore,
  jobs: readonly ProviderJob[],
  options: RunStreamOptions = {},
): Promise<ProviderResult[]> {
  return Promise.all(jobs.map((job) => syncProvider(mirror, job, options)));
}
