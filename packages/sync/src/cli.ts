import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordType } from '@finum-sync/spec';
import { ConfigError, type ProviderConfig } from './config.js';
import { DEFAULT_MIRROR_PATH, type MirrorStore, openMirror, type StreamStatus } from './mirror/mirror-store.js';
import { startCallbackListener, startMetrics } from './operations-server.js';
import type { PlanOptions, Tally } from './planner.js';
import { type ProviderSource, sdkSource } from './provider-source.js';
import { type ProgressEvent, type ProviderResult, type RunStreamOptions, syncAll } from './runner.js';

/** Where the commands write: injected, so the CLI and tests see the same text. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** Progress redraws in place on a terminal; plain lines otherwise. */
  isTTY: boolean;
}

export interface SyncCommandOptions {
  providers: readonly ProviderConfig[];
  database?: string | undefined;
  json?: boolean;
  /** Repeat every this many ms until `signal` aborts. */
  watchMs?: number | undefined;
  plan?: Partial<PlanOptions>;
  signal?: AbortSignal;
  /** Builds the source of a provider (tests inject their own transport). */
  sourceFor?: (provider: ProviderConfig) => ProviderSource;
  /** `sync verify`: list everything, compare every id and version, repair drift, remove what the provider no longer lists. */
  full?: boolean;
  /** `--metrics`: serve Prometheus metrics here while the command runs. */
  metrics?: { host: string; port: number } | undefined;
  /** `--listen`: receive the providers' callbacks here (each provider needs its `callbackSecret`) and keep running. */
  listen?: { host: string; port: number } | undefined;
  /** Called after each run with its results (the metrics endpoint reads them). */
  onRun?: (results: ProviderResult[], mirror: MirrorStore) => void | Promise<void>;
}

/** The `--json` summary of a run: per provider and type what was listed, written and how long it took. */
export function runSummary(results: readonly ProviderResult[], startedAt: number, durationMs: number, verify = false) {
  return {
    ok: results.every((r) => r.ok),
    ...(verify ? { drift: results.reduce((n, r) => n + r.streams.reduce((m, s) => m + driftOf(s.tally), 0), 0) } : {}),
    startedAt: new Date(startedAt).toISOString(),
    durationMs,
    providers: results.map((r) => ({
      provider: r.provider,
      ok: r.ok,
      types: Object.fromEntries(
        r.streams.map((s) => [
          s.type,
          {
            ok: s.ok,
            ...s.tally,
            durationMs: s.durationMs,
            watermark: s.watermark,
            resumed: s.resumed,
            ...(s.warning ? { warning: s.warning } : {}),
            ...(s.error ? { error: s.error } : {}),
          },
        ]),
      ),
      ...(r.files ? { files: r.files } : {}),
    })),
  };
}

const describeState = (event: ProgressEvent): string => {
  const { state } = event;
  const t = state.tally;
  const written = t.created + t.updated + t.deleted + t.unchanged;
  switch (state.kind) {
    case 'listing':
      return 'listing';
    case 'opening':
      return `listed ${t.listed}`;
    case 'fetching':
    case 'writing': {
      const done = state.window.chunkCount - state.pending.length - (state.kind === 'writing' ? state.batch.length : 0);
      return `chunk ${done}/${state.window.chunkCount}, ${written}/${state.window.listed} records`;
    }
    case 'advancing':
      return `${written} records, committing`;
    case 'backing-off':
      return `backing off: ${state.failure.message}`;
    case 'done':
      return 'done';
    case 'failed':
      return `failed: ${state.failure.message}`;
  }
};

function progressReporter(io: CommandIo): RunStreamOptions['onProgress'] {
  if (!io.isTTY) {
    // Plain lines for logs: a window opened (or resumed), then at most one line a second per stream.
    const last = new Map<string, number>();
    return (event) => {
      const key = `${event.provider} ${event.type}`;
      const { state } = event;
      const at = Date.now();
      if (state.kind === 'fetching' && !last.has(key)) {
        const pending = state.pending.length;
        io.err(
          pending === state.window.chunkCount
            ? `${key}: window opened: ${state.window.listed} ids since ${state.window.since ?? 'the beginning'}, ${pending} chunks`
            : `${key}: window resumed: ${pending} of ${state.window.chunkCount} chunks pending`,
        );
        last.set(key, at);
      } else if (state.kind === 'backing-off' || at - (last.get(key) ?? at) >= 1000) {
        io.err(`${key}: ${describeState(event)}`);
        last.set(key, at);
      }
    };
  }
  let last = 0;
  return (event) => {
    const at = Date.now();
    if (at - last < 100 && event.state.kind !== 'done' && event.state.kind !== 'failed') return;
    last = at;
    io.err(`\r\x1b[K${event.provider} ${event.type}: ${describeState(event)}\x1b[1A`);
  };
}

/** Rows a full (verify) window had to write or remove: the mirror's drift from the provider. */
const driftOf = (t: Tally) => t.created + t.updated + t.deleted + t.removed;

function reportLines(results: readonly ProviderResult[], verify: boolean): string[] {
  const lines: string[] = [];
  if (verify) {
    const drift = results.reduce((n, r) => n + r.streams.reduce((m, s) => m + driftOf(s.tally), 0), 0);
    lines.push(`verify: ${drift} row(s) differed from the provider and were repaired`);
  }
  for (const r of results) {
    for (const s of r.streams) {
      const t = s.tally;
      lines.push(
        `${r.provider} ${s.type}: ${s.ok ? 'ok' : 'FAILED'} — listed ${t.listed}, created ${t.created}, updated ${t.updated}, deleted ${t.deleted}, unchanged ${t.unchanged}${t.removed ? `, removed ${t.removed}` : ''} in ${s.durationMs} ms${s.resumed ? ' (resumed an interrupted window)' : ''}${s.error ? ` — ${s.error}` : ''}`,
      );
      if (s.warning) lines.push(`${r.provider} ${s.type}: warning: ${s.warning}`);
    }
    if (r.files) {
      lines.push(
        `${r.provider} files: downloaded ${r.files.downloaded}, already held ${r.files.skipped}, failed ${r.files.failed}${r.files.error ? ` — ${r.files.error}` : ''}`,
      );
    }
  }
  return lines;
}

const defaultSource = (p: ProviderConfig) =>
  sdkSource({ baseUrl: p.baseUrl, payload: p.payload, privateKey: p.privateKey, maxUrlBytes: p.maxUrlBytes });

/**
 * `finum-sync sync`: syncs every provider into the mirror once, or every `watchMs` until
 * `signal` aborts. Resolves to the exit code: 0 when every stream of the (last) run finished,
 * 1 when one failed (its error is on stderr and in `sync status`).
 *
 * @example
 * const code = await runSyncCommand({ providers: [acme] }, { out: console.log, err: console.error, isTTY: false });
 */
export async function runSyncCommand(options: SyncCommandOptions, io: CommandIo): Promise<number> {
  const mirror = await openMirror(options.database ?? DEFAULT_MIRROR_PATH);
  const sourceFor = options.sourceFor ?? defaultSource;
  const onProgress = options.json ? undefined : progressReporter(io);
  // Providers with an interval of their own run on it; the others on the command's.
  const nextDue = new Map(options.providers.map((p) => [p.name, 0]));
  const sources = new Map(options.providers.map((p) => [p.name, sourceFor(p)]));
  let code = 0;
  const closers: (() => Promise<void>)[] = [];
  try {
    let observe: ((results: ProviderResult[]) => void) | undefined;
    if (options.metrics) {
      const metrics = await startMetrics(mirror, options.metrics);
      closers.push(metrics.close);
      observe = metrics.observe;
      io.err(`metrics on ${metrics.url}`);
    }
    if (options.listen) {
      const targets = new Map(
        options.providers.map((p) => {
          if (!p.callbackSecret) throw new ConfigError(`--listen: provider '${p.name}' has no callback secret`);
          const source = sources.get(p.name)!;
          const syncContract = async (id: string) => {
            const records = await source.fetch('contract', [id]);
            const tally = await mirror.applyRecords(p.name, 'contract', records);
            io.err(
              `${p.name} contract ${id}: callback — ${tally.updated + tally.created + tally.deleted ? 'updated' : 'unchanged'}`,
            );
          };
          return [p.name, { secret: p.callbackSecret, syncContract }];
        }),
      );
      const listener = await startCallbackListener(options.listen, targets, (m) => io.err(`finum-sync sync: ${m}`));
      closers.push(listener.close);
      io.err(`callbacks on ${listener.url}/${options.providers.length === 1 ? '' : '<provider>'}`);
    }
    for (;;) {
      const startedAt = Date.now();
      const due = options.providers.filter((p) => (nextDue.get(p.name) ?? 0) <= startedAt);
      const results = await syncAll(
        mirror,
        due.map((p) => ({ provider: p.name, source: sources.get(p.name)!, types: p.types, files: p.files })),
        {
          full: options.full === true,
          ...(onProgress ? { onProgress } : {}),
          ...(options.plan ? { plan: options.plan } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
      for (const p of due) nextDue.set(p.name, startedAt + (p.intervalMs ?? options.watchMs ?? 0));
      const durationMs = Date.now() - startedAt;
      if (options.json) io.out(JSON.stringify(runSummary(results, startedAt, durationMs, options.full === true)));
      else for (const line of reportLines(results, options.full === true)) io.out(line);
      for (const r of results) {
        for (const s of r.streams)
          if (s.error && !options.json) io.err(`finum-sync sync: ${r.provider} ${s.type}: ${s.error}`);
      }
      code = results.every((r) => r.ok) ? 0 : 1;
      observe?.(results);
      await options.onRun?.(results, mirror);
      if (options.signal?.aborted) break;
      if (options.watchMs === undefined) {
        // Listening without --watch: one run, then callbacks until stopped.
        if (options.listen && options.signal)
          await new Promise((resolve) => options.signal!.addEventListener('abort', resolve, { once: true }));
        break;
      }
      const wake = Math.min(...nextDue.values());
      await sleep(Math.max(0, wake - Date.now()), undefined, options.signal ? { signal: options.signal } : {}).catch(
        () => {},
      );
      if (options.signal?.aborted) break;
    }
  } finally {
    for (const close of closers) await close();
    await mirror.close();
  }
  return code;
}

/**
 * `finum-sync sync status`: per provider and type the watermark, last attempt, last
 * success, counts and last error.
 */
export async function runStatusCommand(
  options: { database?: string | undefined; provider?: string | undefined; json?: boolean },
  io: CommandIo,
): Promise<number> {
  const mirror = await openMirror(options.database ?? DEFAULT_MIRROR_PATH);
  let rows: StreamStatus[];
  try {
    rows = await mirror.status(options.provider);
  } finally {
    await mirror.close();
  }
  if (options.json) {
    io.out(JSON.stringify({ streams: rows }));
    return 0;
  }
  if (rows.length === 0) {
    io.out('No provider synced into this mirror yet.');
    return 0;
  }
  const header = [
    'provider',
    'type',
    'watermark',
    'last success',
    'last attempt',
    'records',
    'tombstones',
    'last error',
  ];
  const table = rows.map((r) => [
    r.provider,
    r.type,
    r.watermark ?? '—',
    r.lastSuccessAt ?? '—',
    r.lastAttemptAt ?? '—',
    String(r.records),
    String(r.tombstones),
    r.lastError
      ? `${r.lastError}${r.pendingChunks ? ` (${r.pendingChunks} chunks pending)` : ''}`
      : r.pendingChunks
        ? `${r.pendingChunks} chunks pending`
        : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  for (const row of [header, ...table])
    io.out(
      row
        .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
  return 0;
}

/** `finum-sync sync reset`: the next run re-syncs the stream in full; until it commits, the old rows stay readable. */
export async function runResetCommand(
  options: {
    database?: string | undefined;
    provider: string;
    types: readonly RecordType[];
    json?: boolean | undefined;
  },
  io: CommandIo,
): Promise<number> {
  const mirror = await openMirror(options.database ?? DEFAULT_MIRROR_PATH);
  try {
    for (const type of options.types) await mirror.requestReset(options.provider, type);
  } finally {
    await mirror.close();
  }
  io.out(
    options.json
      ? JSON.stringify({ provider: options.provider, types: options.types, reset: true })
      : `${options.provider} ${options.types.join(', ')}: reset; the next sync lists everything again (old rows stay readable until it commits)`,
  );
  return 0;
}
