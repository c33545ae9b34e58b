import { ProblemError } from '@finum-sync/spec';

/**
 * A request budget per key (SPEC §7: `RATE_LIMIT` requests a minute per consumer), as a
 * sliding window over the current and the previous minute.
 */
export class RateLimiter {
  private windowStart = 0;
  private current = new Map<string, number>();
  private previous = new Map<string, number>();

  constructor(
    private readonly perMinute: number,
    private readonly clock: () => number = Date.now,
    private readonly what = 'requests',
  ) {}

  /** Counts one request for `key`; throws a 429 problem with `Retry-After` past the budget. */
  async take(key: string): Promise<void> {
    const now = this.clock();
    const window = Math.floor(now / 60_000) * 60_000;
    if (window !== this.windowStart) {
      this.previous = window - this.windowStart === 60_000 ? this.current : new Map();
      this.current = new Map();
      this.windowStart = window;
    }
    const elapsed = (now - window) / 60_000;
    const used = (this.previous.get(key) ?? 0) * (1 - elapsed) + (this.current.get(key) ?? 0);
    if (used >= this.perMinute) {
      const retryAfter = Math.max(1, Math.ceil(60 - elapsed * 60));
      throw new ProblemError(
        'rate-limited',
        `More than ${this.perMinute} ${this.what} a minute; retry after ${retryAfter} s.`,
        { headers: { 'Retry-After': String(retryAfter) } },
      );
    }
    this.current.set(key, (this.current.get(key) ?? 0) + 1);
  }
}
