/**
 * The pure core of the sync engine: one stream (a provider's record type) as a state
 * machine. States are immutable objects with a `kind`; `step(state, event, now, options)`
 * returns the next state, and `actionFor(state)` says what I/O the runner must do for it.
 * Nothing here reads a clock, the network or the database (ARCHITECTURE.md example 5,
 * after electric-sql's shape-stream state machine).
 *
 * The window protocol (SPEC §11 guarantees):
 *
 *   listing since W ──listed (ids, W')──▶ opening the window (W, W', chunks: one transaction)
 *     ──▶ fetching chunk i of n ──fetched──▶ writing chunk i (one transaction, version-guarded)
 *     ──▶ … ──▶ advancing to W' (only once nothing is pending) ──▶ done
 *
 * A stream that starts with a window still open in the mirror (the last run was killed)
 * resumes at its first unfinished chunk and never lists that window again. Failures of
 * the provider back off (honouring Retry-After) and, past the budget, end the stream as
 * `failed` with the watermark where it was.
 */

/** The ids of one chunk: fetched with one call and written in one transaction. */
export interface Chunk {
  /** Position in its window (0-based), stable across restarts. */
  readonly index: number;
  readonly ids: readonly string[];
}

/** A window being synced: everything changed since `since`, up to the watermark `until`. */
export interface SyncWindow {
  /** The watermark the listing started from (`null`: everything). */
  readonly since: string | null;
  /** The watermark to store once every chunk is written: the provider's verbatim. */
  readonly until: string;
  /** Set when the provider gave no `X-Sync-Until` and `until` is our own estimate. */
  readonly warning: string | null;
  /** A full window (reset, verify): rows the listing did not name are removed at the end. */
  readonly full: boolean;
  /** How many chunks the window had when it was opened. */
  readonly chunkCount: number;
  /** How many ids the listing returned. */
  readonly listed: number;
}

/** What a stream did, summed over the run. */
export interface Tally {
  listed: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Rows removed by a full window because the provider no longer lists them. */
  removed: number;
}

export const emptyTally = (): Tally => ({ listed: 0, created: 0, updated: 0, deleted: 0, unchanged: 0, removed: 0 });

/** A failure of an action, as the runner classifies it. */
export interface Failure {
  readonly message: string;
  /** Worth trying again (network error, 429, 5xx); a 4xx or a database error is not. */
  readonly retryable: boolean;
  /** The provider's `Retry-After`, in ms. */
  readonly retryAfterMs?: number;
}

/** A provider record as it came over the wire: at least the meta fields. */
export interface ProviderRecord {
  readonly id: string;
  readonly version: number;
  readonly deleted: boolean;
  readonly updatedAt: string;
  readonly [field: string]: unknown;
}

interface Base {
  readonly tally: Tally;
  /** Consecutive failed attempts of the current action. */
  readonly attempt: number;
  /**
   * The run began by finishing a window a stopped run left open: once that window is
   * closed, the run lists again since its watermark, so that it ends up to date.
   */
  readonly relist?: boolean;
}

export type StreamState =
  | (Base & { readonly kind: 'listing'; readonly since: string | null; readonly full: boolean })
  | (Base & {
      readonly kind: 'opening';
      readonly window: SyncWindow;
      /** The chunks to write with the window; absent when the store staged them (`stageListing`). */
      readonly chunks?: readonly Chunk[];
    })
  | (Base & { readonly kind: 'fetching'; readonly window: SyncWindow; readonly pending: readonly number[] })
  | (Base & {
      readonly kind: 'writing';
      readonly window: SyncWindow;
      readonly pending: readonly number[];
      readonly batch: readonly number[];
      readonly records: readonly (readonly ProviderRecord[])[];
    })
  | (Base & { readonly kind: 'advancing'; readonly window: SyncWindow })
  | (Base & {
      readonly kind: 'backing-off';
      readonly until: number;
      readonly failure: Failure;
      readonly resume: Exclude<StreamState, { kind: 'backing-off' | 'done' | 'failed' }>;
    })
  | (Base & { readonly kind: 'done'; readonly watermark: string; readonly warning: string | null })
  | (Base & { readonly kind: 'failed'; readonly failure: Failure });

export type StreamEvent =
  | {
      readonly kind: 'listed';
      /**
       * The listed ids (chunked here), or — from a streamed listing — the chunks already
       * built, or the count of chunks and ids the store staged (`stageListing`).
       */
      readonly ids?: readonly string[];
      readonly chunks?: readonly Chunk[];
      readonly staged?: { readonly chunkCount: number; readonly listed: number };
      readonly syncUntil: string | null;
      readonly requestedAt: number;
    }
  | { readonly kind: 'opened' }
  | { readonly kind: 'fetched'; readonly records: readonly (readonly ProviderRecord[])[] }
  | { readonly kind: 'written'; readonly tally: Omit<Tally, 'listed' | 'removed'> }
  | { readonly kind: 'advanced'; readonly removed: number }
  | { readonly kind: 'waited' }
  | { readonly kind: 'failed'; readonly failure: Failure };

export type StreamAction =
  | { readonly kind: 'list'; readonly since: string | null; readonly full: boolean }
  /** Without `chunks`, over the chunks the store staged. */
  | { readonly kind: 'open-window'; readonly window: SyncWindow; readonly chunks?: readonly Chunk[] }
  /** Chunks by index: their ids are read back from the store, so a window's ids are not held in memory. */
  | { readonly kind: 'fetch'; readonly chunks: readonly number[] }
  | {
      readonly kind: 'write';
      readonly window: SyncWindow;
      readonly chunks: readonly number[];
      readonly records: readonly (readonly ProviderRecord[])[];
    }
  | { readonly kind: 'advance'; readonly window: SyncWindow }
  | { readonly kind: 'wait'; readonly until: number }
  | { readonly kind: 'stop' };

export interface PlanOptions {
  /** Ids per chunk (one fetch, one transaction). Default 1,000: the documented maximum of a list call. */
  readonly chunkSize: number;
  /**
   * Chunks fetched at once and then written in one transaction. Default 8: on SQLite a
   * commit rewrites every index page its rows touched, so fewer, larger commits cost less
   * (4 → 8 took a 200,000-contract initial sync from 6.3 to 5.4 s, BENCHMARKS.md).
   */
  readonly parallelChunks: number;
  /** Without `X-Sync-Until`: the next watermark is our request time minus this. Default 5 min (SPEC §6). */
  readonly overlapMs: number;
  /** Attempts of one action before the stream fails. Default 4. */
  readonly maxAttempts: number;
  /** First backoff; doubles per attempt. Default 500 ms. */
  readonly backoffBaseMs: number;
  /** A Retry-After longer than this fails the stream at once (the next run tries again). Default 15 s. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
  chunkSize: 1000,
  parallelChunks: 8,
  overlapMs: 5 * 60_000,
  maxAttempts: 4,
  backoffBaseMs: 500,
  maxRetryAfterMs: 15_000,
};

/** What the mirror remembers of a stream when a run starts. */
export interface StoredStream {
  readonly watermark: string | null;
  /** An open window (the last run stopped inside it) and the indexes of its unfinished chunks. */
  readonly window: { readonly window: SyncWindow; readonly pending: readonly number[] } | null;
  /** `sync reset` asked for a full re-sync of this stream. */
  readonly resetRequested: boolean;
}

/**
 * The first state of a run: resume an open window, or list since the stored watermark.
 *
 * @example
 * const state = initialState({ watermark: '2026-11-23T10:00:00.000Z', window: null, resetRequested: false });
 * actionFor(state); // { kind: 'list', since: '2026-11-23T10:00:00.000Z', full: false }
 */
export function initialState(stored: StoredStream, mode: { full?: boolean } = {}): StreamState {
  const base = { tally: emptyTally(), attempt: 0 };
  if (stored.window && !mode.full) {
    const { window, pending } = stored.window;
    return pending.length > 0
      ? { ...base, relist: true, kind: 'fetching', window, pending }
      : { ...base, relist: true, kind: 'advancing', window };
  }
  const full = mode.full === true || stored.resetRequested;
  return { ...base, kind: 'listing', since: full ? null : stored.watermark, full };
}

/** Splits listed ids into chunks (duplicates dropped, order kept). */
export function chunkIds(ids: readonly string[], size: number): Chunk[] {
  const chunker = new IdChunker(size);
  chunker.add(ids);
  return chunker.finish();
}

/**
 * Cuts ids, in the order they come, into chunks of `size` numbered from 0 (no duplicate
 * check: see `IdChunker`, and the mirror's staged listing).
 */
export class ChunkCutter {
  private current: string[] = [];
  private count = 0;
  constructor(private readonly size: number) {}

  /** Adds an id; the chunk it completes, if any. */
  add(id: string): Chunk | undefined {
    this.current.push(id);
    return this.current.length === this.size ? this.cut() : undefined;
  }

  /** The last, incomplete chunk, if any. */
  finish(): Chunk | undefined {
    return this.current.length > 0 ? this.cut() : undefined;
  }

  /** Chunks cut so far. */
  get chunkCount(): number {
    return this.count;
  }

  private cut(): Chunk {
    const chunk = { index: this.count++, ids: this.current };
    this.current = [];
    return chunk;
  }
}

/**
 * Builds chunks from ids that arrive in pages (a streamed listing): duplicates dropped,
 * order kept, straight into the chunks — no copy of the whole list. It holds every chunk and
 * every id seen, so it serves stores that keep a window in memory (the Airbyte adapter); the
 * mirror stages a listing in its database instead (`stageListing`).
 */
export class IdChunker {
  private readonly seen = new Set<string>();
  private readonly chunks: Chunk[] = [];
  private readonly cutter: ChunkCutter;
  constructor(size: number) {
    this.cutter = new ChunkCutter(size);
  }

  add(ids: Iterable<string>): void {
    for (const id of ids) {
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      const chunk = this.cutter.add(id);
      if (chunk) this.chunks.push(chunk);
    }
  }

  finish(): Chunk[] {
    const last = this.cutter.finish();
    if (last) this.chunks.push(last);
    return this.chunks;
  }
}

/** The watermark of a listing: the provider's `X-Sync-Until` verbatim, else our request time minus the overlap. */
export function windowUntil(
  syncUntil: string | null,
  requestedAt: number,
  overlapMs: number,
): { until: string; warning: string | null } {
  if (syncUntil !== null && syncUntil !== '') return { until: syncUntil, warning: null };
  return {
    until: new Date(requestedAt - overlapMs).toISOString(),
    warning: `the provider sent no X-Sync-Until header; the next sync starts ${Math.round(overlapMs / 1000)} s before this one's request`,
  };
}

const addTally = (a: Tally, b: Partial<Tally>): Tally => ({
  listed: a.listed + (b.listed ?? 0),
  created: a.created + (b.created ?? 0),
  updated: a.updated + (b.updated ?? 0),
  deleted: a.deleted + (b.deleted ?? 0),
  unchanged: a.unchanged + (b.unchanged ?? 0),
  removed: a.removed + (b.removed ?? 0),
});

type Resumable = Extract<StreamState, { kind: 'backing-off' }>['resume'];

/** A failed action: back off and try again, or give up and leave the watermark where it is. */
function onFailure(state: StreamState, failure: Failure, now: number, options: PlanOptions): StreamState {
  const resume: Resumable | undefined =
    state.kind === 'backing-off' ? state.resume : state.kind === 'done' || state.kind === 'failed' ? undefined : state;
  const attempt = state.attempt + 1;
  const tooLong = failure.retryAfterMs !== undefined && failure.retryAfterMs > options.maxRetryAfterMs;
  if (!resume || !failure.retryable || tooLong || attempt >= options.maxAttempts) {
    const message = tooLong
      ? `${failure.message} (Retry-After ${Math.round(failure.retryAfterMs! / 1000)} s exceeds the budget of ${Math.round(options.maxRetryAfterMs / 1000)} s; the next run tries again)`
      : failure.retryable && attempt >= options.maxAttempts
        ? `${failure.message} (gave up after ${attempt} attempts)`
        : failure.message;
    return { kind: 'failed', tally: state.tally, attempt, failure: { ...failure, message } };
  }
  const delay = failure.retryAfterMs ?? options.backoffBaseMs * 2 ** (attempt - 1);
  return { kind: 'backing-off', tally: state.tally, attempt, until: now + delay, failure, resume };
}

/** The state after `event`, which answers the action of `state`. */
export function step(state: StreamState, event: StreamEvent, now: number, options: PlanOptions): StreamState {
  if (event.kind === 'failed') return onFailure(state, event.failure, now, options);
  switch (state.kind) {
    case 'listing': {
      if (event.kind !== 'listed') break;
      const chunks = event.staged ? undefined : (event.chunks ?? chunkIds(event.ids ?? [], options.chunkSize));
      const chunkCount = chunks?.length ?? event.staged!.chunkCount;
      const listed = chunks ? chunks.reduce((n, c) => n + c.ids.length, 0) : event.staged!.listed;
      const { until, warning } = windowUntil(event.syncUntil, event.requestedAt, options.overlapMs);
      const window: SyncWindow = {
        since: state.since,
        until,
        warning,
        full: state.full,
        chunkCount,
        listed,
      };
      return {
        kind: 'opening',
        tally: addTally(state.tally, { listed }),
        attempt: 0,
        window,
        ...(chunks && { chunks }),
      };
    }
    case 'opening':
      if (event.kind !== 'opened') break;
      // Chunks are numbered from 0 (chunkIds, IdChunker, the staged listing).
      return state.window.chunkCount > 0
        ? {
            kind: 'fetching',
            tally: state.tally,
            attempt: 0,
            window: state.window,
            pending: Array.from({ length: state.window.chunkCount }, (_, i) => i),
          }
        : { kind: 'advancing', tally: state.tally, attempt: 0, window: state.window };
    case 'fetching': {
      if (event.kind !== 'fetched') break;
      const batch = state.pending.slice(0, options.parallelChunks);
      return {
        kind: 'writing',
        tally: state.tally,
        attempt: 0,
        relist: state.relist,
        window: state.window,
        pending: state.pending.slice(batch.length),
        batch,
        records: event.records,
      };
    }
    case 'writing': {
      if (event.kind !== 'written') break;
      const tally = addTally(state.tally, event.tally);
      return state.pending.length > 0
        ? { kind: 'fetching', tally, attempt: 0, relist: state.relist, window: state.window, pending: state.pending }
        : { kind: 'advancing', tally, attempt: 0, relist: state.relist, window: state.window };
    }
    case 'advancing':
      if (event.kind !== 'advanced') break;
      if (state.relist) {
        const tally = addTally(state.tally, { removed: event.removed });
        return { kind: 'listing', tally, attempt: 0, since: state.window.until, full: false };
      }
      return {
        kind: 'done',
        tally: addTally(state.tally, { removed: event.removed }),
        attempt: 0,
        watermark: state.window.until,
        warning: state.window.warning,
      };
    case 'backing-off':
      if (event.kind !== 'waited') break;
      return { ...state.resume, attempt: state.attempt } as StreamState;
    case 'done':
    case 'failed':
      break;
  }
  throw new Error(`sync planner: event '${event.kind}' does not answer state '${state.kind}'`);
}

/**
 * The I/O the runner performs for a state. For `fetching`, the next `parallelChunks`
 * chunks are fetched together; the `writing` state then writes each in its own transaction.
 */
export function actionFor(state: StreamState, options: PlanOptions): StreamAction {
  switch (state.kind) {
    case 'listing':
      return { kind: 'list', since: state.since, full: state.full };
    case 'opening':
      return { kind: 'open-window', window: state.window, ...(state.chunks && { chunks: state.chunks }) };
    case 'fetching':
      return { kind: 'fetch', chunks: state.pending.slice(0, options.parallelChunks) };
    case 'writing':
      return { kind: 'write', window: state.window, chunks: state.batch, records: state.records };
    case 'advancing':
      return { kind: 'advance', window: state.window };
    case 'backing-off':
      return { kind: 'wait', until: state.until };
    case 'done':
    case 'failed':
      return { kind: 'stop' };
  }
}
