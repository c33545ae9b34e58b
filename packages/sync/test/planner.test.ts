import { describe, expect, it } from 'vitest';
import {
  actionFor,
  chunkIds,
  DEFAULT_PLAN_OPTIONS,
  initialState,
  type PlanOptions,
  type StreamState,
  step,
  windowUntil,
} from '../src/planner.js';

const plan: PlanOptions = { ...DEFAULT_PLAN_OPTIONS, chunkSize: 2, parallelChunks: 1 };
const fresh = { watermark: null, window: null, resetRequested: false };
const record = (id: string, version = 1) => ({ id, version, deleted: false, updatedAt: '2026-11-23T10:00:00.000Z' });

describe('sync planner (pure)', () => {
  it('walks a window: list → open → fetch/write chunk by chunk → advance to the provider watermark verbatim', () => {
    let state: StreamState = initialState({ ...fresh, watermark: 'W0' });
    expect(actionFor(state, plan)).toEqual({ kind: 'list', since: 'W0', full: false });
    state = step(
      state,
      { kind: 'listed', ids: ['a', 'b', 'c', 'a'], syncUntil: 'W1-verbatim', requestedAt: 0 },
      0,
      plan,
    );
    const open = actionFor(state, plan);
    expect(open).toMatchObject({ kind: 'open-window', window: { since: 'W0', until: 'W1-verbatim', chunkCount: 2 } });
    expect(open.kind === 'open-window' && open.chunks?.map((c) => c.ids)).toEqual([['a', 'b'], ['c']]);
    state = step(state, { kind: 'opened' }, 0, plan);
    expect(actionFor(state, plan)).toEqual({ kind: 'fetch', chunks: [0] });
    state = step(state, { kind: 'fetched', records: [[record('a'), record('b')]] }, 0, plan);
    expect(actionFor(state, plan)).toMatchObject({ kind: 'write', chunks: [0] });
    state = step(state, { kind: 'written', tally: { created: 2, updated: 0, deleted: 0, unchanged: 0 } }, 0, plan);
    expect(actionFor(state, plan)).toEqual({ kind: 'fetch', chunks: [1] });
    state = step(state, { kind: 'fetched', records: [[record('c')]] }, 0, plan);
    // Not advanced while a chunk is still to be written.
    expect(state.kind).toBe('writing');
    state = step(state, { kind: 'written', tally: { created: 0, updated: 1, deleted: 0, unchanged: 0 } }, 0, plan);
    expect(actionFor(state, plan)).toMatchObject({ kind: 'advance', window: { until: 'W1-verbatim' } });
    state = step(state, { kind: 'advanced', removed: 0 }, 0, plan);
    expect(state).toMatchObject({
      kind: 'done',
      watermark: 'W1-verbatim',
      tally: { listed: 3, created: 2, updated: 1 },
    });
    expect(actionFor(state, plan)).toEqual({ kind: 'stop' });
  });

  it('resumes an open window at its unfinished chunks without listing again', () => {
    const window = { since: 'W0', until: 'W1', warning: null, full: false, chunkCount: 5, listed: 9 };
    const state = initialState({ ...fresh, window: { window, pending: [3] } });
    expect(actionFor(state, plan)).toEqual({ kind: 'fetch', chunks: [3] });
    const empty = initialState({ ...fresh, window: { window, pending: [] } });
    expect(actionFor(empty, plan)).toMatchObject({ kind: 'advance' });
    // Once the resumed window is closed, the run lists since its watermark: it ends up to date.
    const closed = step(empty, { kind: 'advanced', removed: 0 }, 0, plan);
    expect(actionFor(closed, plan)).toEqual({ kind: 'list', since: 'W1', full: false });
  });

  it('lists everything after a reset', () => {
    expect(actionFor(initialState({ watermark: 'W0', window: null, resetRequested: true }), plan)).toEqual({
      kind: 'list',
      since: null,
      full: true,
    });
  });

  it('without X-Sync-Until: own request time minus the overlap, with a warning', () => {
    const at = Date.parse('2026-11-23T10:05:00.000Z');
    expect(windowUntil(null, at, 300_000)).toMatchObject({ until: '2026-11-23T10:00:00.000Z' });
    expect(windowUntil(null, at, 300_000).warning).toMatch(/X-Sync-Until/);
    expect(windowUntil('2026-11-23T10:04:00Z', at, 300_000)).toEqual({ until: '2026-11-23T10:04:00Z', warning: null });
  });

  it('backs off for Retry-After, resumes the same action, and fails past the attempts', () => {
    let state: StreamState = initialState(fresh);
    state = step(
      state,
      { kind: 'failed', failure: { message: '503', retryable: true, retryAfterMs: 2000 } },
      1000,
      plan,
    );
    expect(actionFor(state, plan)).toEqual({ kind: 'wait', until: 3000 });
    state = step(state, { kind: 'waited' }, 3000, plan);
    expect(actionFor(state, plan)).toEqual({ kind: 'list', since: null, full: false });
    for (let i = 0; i < plan.maxAttempts && state.kind !== 'failed'; i++) {
      state = step(state, { kind: 'failed', failure: { message: '500', retryable: true } }, 0, plan);
      if (state.kind === 'backing-off') state = step(state, { kind: 'waited' }, 0, plan);
    }
    expect(state).toMatchObject({ kind: 'failed', failure: { message: expect.stringMatching(/gave up after 4/) } });
  });

  it('fails at once on a Retry-After over the budget and on a non-retryable failure', () => {
    const slow = step(
      initialState(fresh),
      { kind: 'failed', failure: { message: '429', retryable: true, retryAfterMs: 30_000 } },
      0,
      plan,
    );
    expect(slow).toMatchObject({ kind: 'failed', failure: { message: expect.stringMatching(/Retry-After 30 s/) } });
    const refused = step(
      initialState(fresh),
      { kind: 'failed', failure: { message: '401', retryable: false } },
      0,
      plan,
    );
    expect(refused.kind).toBe('failed');
  });

  it('refuses an event that does not answer the state', () => {
    expect(() => step(initialState(fresh), { kind: 'opened' }, 0, plan)).toThrow(/does not answer/);
  });

  it('chunks ids in order without duplicates', () => {
    expect(chunkIds(['a', 'b', 'a', 'c'], 2)).toEqual([
      { index: 0, ids: ['a', 'b'] },
      { index: 1, ids: ['c'] },
    ]);
  });
});
