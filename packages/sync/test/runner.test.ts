import { describe, expect, it } from 'vitest';
import type { Chunk, ProviderRecord } from '../src/planner.js';
import { ProviderError, type ProviderSource } from '../src/provider-source.js';
import { runStream, type StreamStore } from '../src/runner.js';

const record = (id: string): ProviderRecord => ({
  id,
  version: 1,
  deleted: false,
  updatedAt: '2026-11-23T10:00:00.000Z',
});

/** A stream store in memory that logs its writes; `gate` holds the first write until it is opened. */
function memoryStore(log: string[], gate: Promise<void>): StreamStore {
  let chunks: readonly Chunk[] = [];
  let first = true;
  return {
    readStream: async () => ({ watermark: null, window: null, resetRequested: false }),
    readChunks: async (_p, _t, indexes) => indexes.map((i) => chunks[i]!),
    markAttempt: async () => {},
    openWindow: async (_p, _t, _w, opened) => {
      chunks = opened ?? [];
    },
    writeChunk: async (_p, _t, _w, chunk, records) => {
      log.push(`write ${chunk} start`);
      if (first) {
        first = false;
        await gate;
      }
      log.push(`write ${chunk} end`);
      return { created: records.length, updated: 0, deleted: 0, unchanged: 0 };
    },
    advance: async () => 0,
    markFailure: async () => {},
  };
}

describe('runStream', () => {
  it('asks for the next batch as soon as the current one is fetched, so the provider answers it while the current one is written', async () => {
    const log: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const ids = Array.from({ length: 8 }, (_, i) => `c${i}`);
    const source: ProviderSource = {
      changedIds: async () => ({ ids, syncUntil: 'W1', requestedAt: 0 }),
      async fetch(_type, chunk) {
        log.push(`fetch ${chunk.join(',')}`);
        // The second batch's fetch opens the first write: without fetching ahead, this would never happen.
        if (chunk[0] === 'c4') open();
        return chunk.map(record);
      },
      download: async () => {
        throw new Error('no files here');
      },
    };
    const result = await runStream(source, memoryStore(log, gate), 'p', 'contract', {
      plan: { chunkSize: 2, parallelChunks: 2 },
    });
    expect(result).toMatchObject({ ok: true, watermark: 'W1', tally: { listed: 8, created: 8 } });
    expect(log.indexOf('fetch c4,c5')).toBeGreaterThan(log.indexOf('fetch c2,c3'));
    expect(log.indexOf('fetch c4,c5')).toBeLessThan(log.indexOf('write 0 start'));
    expect(log.indexOf('fetch c4,c5')).toBeLessThan(log.indexOf('write 0 end'));
    // Each chunk fetched once and written once, in order.
    expect(log.filter((l) => l.startsWith('fetch'))).toEqual([
      'fetch c0,c1',
      'fetch c2,c3',
      'fetch c4,c5',
      'fetch c6,c7',
    ]);
    expect(log.filter((l) => l.endsWith('end'))).toEqual(['write 0 end', 'write 1 end', 'write 2 end', 'write 3 end']);
  });

  it('prefers the streamed listing: pages go into chunks (duplicates across pages dropped); a break mid-list is retried whole', async () => {
    const opened: Chunk[][] = [];
    const store: StreamStore = {
      ...memoryStore([], Promise.resolve()),
      openWindow: async (_p, _t, _w, chunks) => {
        opened.push((chunks ?? []).map((c) => ({ index: c.index, ids: [...c.ids] })));
      },
      readChunks: async (_p, _t, indexes) => indexes.map((i) => opened.at(-1)![i]!),
    };
    let listings = 0;
    const fetched: string[] = [];
    const source: ProviderSource = {
      changedIds: async () => {
        throw new Error('the runner should stream the list');
      },
      async changedIdPages() {
        const attempt = ++listings;
        async function* pages() {
          yield ['a', 'b', 'c'];
          // The first attempt's connection breaks after a page: nothing of it may be kept.
          if (attempt === 1) throw new ProviderError('connection reset', undefined);
          yield ['c', 'd', 'a'];
          yield ['e'];
        }
        return { pages: pages(), syncUntil: 'W2', requestedAt: 0 };
      },
      async fetch(_type, ids) {
        fetched.push(...ids);
        return ids.map(record);
      },
      download: async () => {
        throw new Error('no files here');
      },
    };
    const result = await runStream(source, store, 'p', 'contract', {
      plan: { chunkSize: 2, parallelChunks: 2, backoffBaseMs: 1 },
    });
    expect(result).toMatchObject({ ok: true, watermark: 'W2', tally: { listed: 5, created: 5 } });
    expect(listings).toBe(2);
    expect(opened).toEqual([
      [
        { index: 0, ids: ['a', 'b'] },
        { index: 1, ids: ['c', 'd'] },
        { index: 2, ids: ['e'] },
      ],
    ]);
    expect(fetched).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
