import { ProblemError } from '@finum-sync/spec';
import type { RateCountStore } from '../store/port.js';

const MINUTE = 60_000;

/** Where several processes add up their counts (PostgreSQL); see {@link RateLimiter}. The store's shared counts (PostgreSQL: every server process of the database adds to them). */
export type SharedRateCounts = RateCountStore;

type Counts = Map<number, Map<string, number>>;

const get = (counts: Counts, window: number, key: string) => counts.get(window)?.get(key) ?? 0;
const add = (counts: Counts, window: number, key: string, n: number) => {
  let w = counts.get(window);
  if (!w) {
    w = new Map();
    counts.set(window, w);
  }
  w.set(key, (w.get(key) ?? 0) + n);
};

/**
 * A request budget per key (SPEC §7: `RATE_LIMIT` requests a minute per consumer) as a
 * sliding window over the current and the previous minute. Alone it counts this
 * process's requests; with {@link SharedRateCounts} (PostgreSQL) the processes share the
 * budget: each adds its counts to the database every `syncMs` and reads the others'
 * back, so the shared budget may be overrun by at most what arrives within one sync.
 */
export class RateLimiter {
  private readonly local: Counts = new Map();
  private readonly flushed: Counts = new Map();
  private totals: Counts = new Map();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  /** The minute whose predecessors were forgotten last (see `note`): once a minute, not per request. */
  private current = Number.NaN;

  constructor(
    private readonly perMinute: number,
    private readonly options: {
      clock?: () => number;
      what?: string;
      shared?: SharedRateCounts;
      syncMs?: number;
      onSyncError?: (error: unknown) => void;
    } = {},
  ) {}

  /** Shared budgets sync while this process has traffic (the timer stops when it has none). */
  private startSync() {
    if (!this.options.shared || this.timer) return;
    this.timer = setInterval(() => {
      if (this.local.size === 0) return this.stop();
      this.syncing ??= this.sync()
        .catch((e) => this.options.onSyncError?.(e))
        .finally(() => {
          this.syncing = undefined;
        });
    }, this.options.syncMs ?? 500);
    this.timer.unref();
  }

  private count(window: number, key: string): number {
    const others = Math.max(0, get(this.totals, window, key) - get(this.flushed, window, key));
    return get(this.local, window, key) + others;
  }

  /** Counts one request for `key`; throws a 429 problem with `Retry-After` past the budget. */
  take(key: string): void {
    const now = (this.options.clock ?? Date.now)();
    this.check(key, now);
    this.note(key, now);
  }

  /** Throws a 429 problem with `Retry-After` when `key` has used its budget; counts nothing. */
  check(key: string, now = (this.options.clock ?? Date.now)()): void {
    const window = Math.floor(now / MINUTE) * MINUTE;
    const elapsed = (now - window) / MINUTE;
    const used = this.count(window - MINUTE, key) * (1 - elapsed) + this.count(window, key);
    if (used >= this.perMinute) {
      const retryAfter = Math.max(1, Math.ceil(60 - elapsed * 60));
      throw new ProblemError(
        'rate-limited',
        `More than ${this.perMinute} ${this.options.what ?? 'requests'} a minute; retry after ${retryAfter} s.`,
        { headers: { 'Retry-After': String(retryAfter) } },
      );
    }
  }

  /** Counts one event (a request, a failed authentication) for `key`. */
  note(key: string, now = (this.options.clock ?? Date.now)()): void {
    const window = Math.floor(now / MINUTE) * MINUTE;
    add(this.local, window, key, 1);
    if (window !== this.current) {
      this.current = window;
      this.forgetBefore(window - MINUTE);
    }
    this.startSync();
  }

  private forgetBefore(window: number) {
    for (const counts of [this.local, this.flushed, this.totals]) {
      for (const w of counts.keys()) if (w < window) counts.delete(w);
    }
  }

  /** Sends this process's new counts and takes the others' (shared budgets only). */
  async sync(): Promise<void> {
    const shared = this.options.shared;
    if (!shared) return;
    this.forgetBefore(Math.floor((this.options.clock ?? Date.now)() / MINUTE) * MINUTE - MINUTE);
    const deltas: Array<{ key: string; windowMs: number; delta: number }> = [];
    for (const [windowMs, keys] of this.local) {
      for (const [key, n] of keys) {
        const delta = n - get(this.flushed, windowMs, key);
        if (delta > 0) deltas.push({ key, windowMs, delta });
      }
    }
    const since = Math.floor((this.options.clock ?? Date.now)() / MINUTE) * MINUTE - MINUTE;
    const totals = await shared.syncRateCounts(deltas, since);
    for (const d of deltas) add(this.flushed, d.windowMs, d.key, d.delta);
    const next: Counts = new Map();
    for (const t of totals) add(next, t.windowMs, t.key, t.count);
    this.totals = next;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
