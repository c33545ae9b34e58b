import { expect, it } from 'vitest';
import { type Get, uid } from './support.js';

/** RateCountStore: counts of every process added up per window. */
export function rateCountTests(store: Get) {
  it('adds the processes’ counts and hands out the sum of each window', async () => {
    const key = uid('rate');
    const window = 60_000 * 1_000_000;
    const mine = (rows: ReadonlyArray<{ key: string; windowMs: number; count: number }>) =>
      rows.filter((r) => r.key === key);
    expect(mine(await store().syncRateCounts([{ key, windowMs: window, delta: 3 }], window))).toEqual([
      { key, windowMs: window, count: 3 },
    ]);
    expect(mine(await store().syncRateCounts([{ key, windowMs: window, delta: 2 }], window))).toEqual([
      { key, windowMs: window, count: 5 },
    ]);
    expect(mine(await store().syncRateCounts([], window))).toEqual([{ key, windowMs: window, count: 5 }]);
    // Windows before `sinceWindowMs` are not handed out.
    expect(mine(await store().syncRateCounts([], window + 60_000))).toEqual([]);
  });
}
