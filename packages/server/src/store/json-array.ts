import { setImmediate as nextTurn } from 'node:timers/promises';

/** About this many bytes are encoded between two turns of the event loop. */
const BYTES_PER_TURN = 2 * 1024 * 1024;

/**
 * The JSON array of `elements` (JSON texts) as UTF-8 bytes, each element encoded straight into
 * one buffer, with a turn of the event loop after every 2 MB or so: 1,000 records of 64 KiB
 * (64 MB) took 200 ms to encode on the bench machine, the whole list of small records (0.55 MB)
 * none. Not `Buffer.from(`[${elements.join(',')}]`)`: building the joined string and encoding
 * it took twenty times as long for 1,000 contracts of 0.55 MB (6 ms against 0.3 ms on a slow
 * day of the bench machine; BENCHMARKS.md, 2026-11-29), and it was most of the gap between the
 * PostgreSQL list and its raw query.
 */
export async function jsonArrayBytes(elements: readonly string[]): Promise<Buffer> {
  const lengths = new Array<number>(elements.length);
  let length = elements.length + 1; // the brackets and the commas between elements
  let sinceTurn = 0;
  for (let i = 0; i < elements.length; i++) {
    const n = Buffer.byteLength(elements[i]!);
    lengths[i] = n;
    length += n;
    sinceTurn += n;
    if (sinceTurn >= BYTES_PER_TURN) {
      sinceTurn = 0;
      await nextTurn();
    }
  }
  const bytes = Buffer.allocUnsafe(Math.max(2, length));
  bytes[0] = 0x5b; // [
  let at = 1;
  for (let i = 0; i < elements.length; i++) {
    if (i > 0) bytes[at++] = 0x2c; // ,
    at += bytes.write(elements[i]!, at, lengths[i]!);
    sinceTurn += lengths[i]!;
    if (sinceTurn >= BYTES_PER_TURN) {
      sinceTurn = 0;
      await nextTurn();
    }
  }
  bytes[at] = 0x5d; // ]
  return bytes;
}
