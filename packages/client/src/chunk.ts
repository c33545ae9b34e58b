import { MAX_IDS_PER_CALL } from './generated/spec-data.js';

/**
 * How many ids one `T-list?id-list=` call may carry (SPEC §6: providers accept at least 1,000).
 *
 * @example
 * const chunks = chunkIds(ids, { maxIds: MAX_IDS_PER_REQUEST, maxBytes: 6_000 });
 */
export const MAX_IDS_PER_REQUEST: number = MAX_IDS_PER_CALL;

/**
 * The longest request URL the client sends by default: many proxies refuse longer request lines.
 *
 * @example
 * // A gateway that takes longer request lines: fewer, larger id-list calls.
 * const finum = createClient({ baseUrl, payload, privateKey, maxUrlBytes: 2 * DEFAULT_MAX_URL_BYTES });
 */
export const DEFAULT_MAX_URL_BYTES = 8 * 1024;

/**
 * Splits ids (deduplicated, order kept) into chunks of at most `maxIds` whose comma-joined
 * text fits `maxBytes` (the URL's room for the list). Ids are ASCII, so characters are bytes.
 *
 * @example
 * chunkIds(['a', 'b', 'c'], { maxIds: 2, maxBytes: 100 }); // [['a', 'b'], ['c']]
 */
export function chunkIds(ids: Iterable<string>, limits: { maxIds: number; maxBytes: number }): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let bytes = 0;
  for (const id of new Set(ids)) {
    if (id.length > limits.maxBytes) throw new RangeError(`maxUrlBytes leaves no room for the id ${id}`);
    const added = chunk.length === 0 ? id.length : id.length + 1;
    if (chunk.length >= limits.maxIds || bytes + added > limits.maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    bytes += chunk.length === 0 ? id.length : id.length + 1;
    chunk.push(id);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * Runs `work` over `items` with at most `concurrency` at a time; results in the order of
 * `items`. The first failure rejects (work already started still runs to its end).
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}
