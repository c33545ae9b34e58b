import { chunkIds, DEFAULT_RETRY_POLICY, nextDelay, parseRetryAfter } from '@finum-sync/client';
import { describe, expect, it } from 'vitest';

const policy = DEFAULT_RETRY_POLICY;
const NOW = Date.UTC(2026, 10, 23, 10, 0, 0);

describe('retry policy', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3000);
    expect(parseRetryAfter(new Date(NOW + 7000).toUTCString(), NOW)).toBe(7000);
    expect(parseRetryAfter(new Date(NOW - 7000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });

  it('retries network errors, timeouts, 429, 502, 503 and 504 — never another 4xx or 500', () => {
    const half = () => 0.5;
    for (const outcome of [{ kind: 'network-error' }, { kind: 'timeout' }] as const) {
      expect(nextDelay(outcome, 0, policy, NOW, half)).toBe(policy.baseDelayMs * 0.5);
    }
    for (const status of [429, 502, 503, 504])
      expect(nextDelay({ kind: 'response', status }, 0, policy, NOW, half)).toBeDefined();
    for (const status of [400, 401, 403, 404, 409, 413, 422, 500]) {
      expect(nextDelay({ kind: 'response', status }, 0, policy, NOW, half)).toBeUndefined();
    }
    expect(nextDelay({ kind: 'network-error' }, policy.maxRetries, policy, NOW)).toBeUndefined();
    // 409 on an idempotent POST: the first attempt (timed out here) still runs at the provider.
    expect(nextDelay({ kind: 'response', status: 409, idempotent: true }, 0, policy, NOW, half)).toBeDefined();
    expect(nextDelay({ kind: 'response', status: 409 }, 0, policy, NOW, half)).toBeUndefined();
  });

  it('backs off exponentially with full jitter under a cap, and takes Retry-After as a floor up to a cap', () => {
    const top = () => 0.999999;
    const delays = [0, 1, 2, 3].map(
      (attempt) => nextDelay({ kind: 'timeout' }, attempt, { ...policy, maxRetries: 9 }, NOW, top)!,
    );
    expect(delays.map(Math.round)).toEqual([250, 500, 1000, 2000]);
    expect(nextDelay({ kind: 'timeout' }, 8, { ...policy, maxRetries: 9 }, NOW, top)).toBeLessThanOrEqual(
      policy.maxDelayMs,
    );
    const zero = () => 0;
    expect(nextDelay({ kind: 'response', status: 429, retryAfter: '2' }, 0, policy, NOW, zero)).toBe(2000);
    const date = new Date(NOW + 5000).toUTCString();
    expect(nextDelay({ kind: 'response', status: 503, retryAfter: date }, 0, policy, NOW, zero)).toBe(5000);
    // Asked to wait longer than the cap: give up rather than hang.
    expect(nextDelay({ kind: 'response', status: 429, retryAfter: '3600' }, 0, policy, NOW)).toBeUndefined();
  });
});

describe('chunkIds', () => {
  it('splits by count and by bytes, keeps order, drops duplicates', () => {
    expect(chunkIds(['a', 'b', 'a', 'c'], { maxIds: 2, maxBytes: 100 })).toEqual([['a', 'b'], ['c']]);
    // "aaa,bbb" is 7 bytes: a third id does not fit 9.
    expect(chunkIds(['aaa', 'bbb', 'ccc'], { maxIds: 10, maxBytes: 9 })).toEqual([['aaa', 'bbb'], ['ccc']]);
    const ids = Array.from({ length: 2500 }, (_, i) => `id-${i}`);
    const chunks = chunkIds(ids, { maxIds: 1000, maxBytes: 1e9 });
    expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 500]);
    expect(chunks.flat()).toEqual(ids);
    for (const chunk of chunkIds(ids, { maxIds: 1000, maxBytes: 2000 }))
      expect(chunk.join(',').length).toBeLessThanOrEqual(2000);
  });
});
