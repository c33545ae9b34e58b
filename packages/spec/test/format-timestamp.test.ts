import { describe, expect, it } from 'vitest';
import { formatTimestamp } from '../src/index.js';

describe('formatTimestamp', () => {
  it('is exactly Date#toISOString, across days, years, the epoch and its extremes', () => {
    const samples = [0, -1, 1, 999, 1000, 86_399_999, 86_400_000, -86_400_001, 951_782_400_000, 8.64e15, -8.64e15];
    // A deterministic spread over ±300 years, with every millisecond position.
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
      samples.push(Math.round((x / 2 ** 32 - 0.5) * 2 * 300 * 365.25 * 86_400_000) + (i % 1000));
    }
    for (const ms of samples) expect(formatTimestamp(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it('refuses what toISOString refuses', () => {
    expect(() => formatTimestamp(Number.NaN)).toThrow(RangeError);
    expect(() => formatTimestamp(8.64e15 + 1)).toThrow(RangeError);
  });

  it('keeps the fraction of a non-integer time as toISOString does', () => {
    expect(formatTimestamp(1.5)).toBe(new Date(1.5).toISOString());
  });
});
