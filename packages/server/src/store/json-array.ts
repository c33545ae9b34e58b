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
 *
 * The buffer is sized from the elements' lengths in characters, an eighth more for the letters
 * UTF-8 writes in two bytes or more: measuring each element's bytes first (`Buffer.byteLength`)
 * took three times as long as the writing itself (0.33 against 0.08 ms for the bench's 1,000
 * contracts). At the first element that might not fit, the rest are measured exactly, once, and
 * the buffer grows to that: one copy at most, whatever the text.
 */
export async function jsonArrayBytes(elements: readonly string[]): Promise<Buffer> {
  let chars = elements.length + 1; // the brackets and the commas between elements
  for (const element of elements) chars += element.length;
  let bytes = Buffer.allocUnsafe(chars + (chars >> 3) + 8);
  let measured = false;
  bytes[0] = 0x5b; // [
  let at = 1;
  let sinceTurn = 0;
  for (let i = 0; i < elements.length; i++) {
    const element = elements[i]!;
    // A character takes at most three bytes (a surrogate pair, two characters, four): with room
    // for that, the comma and the closing bracket, the element fits.
    if (!measured && bytes.length - at < element.length * 3 + 2) {
      let rest = 1; // the closing bracket
      for (let j = i; j < elements.length; j++) rest += Buffer.byteLength(elements[j]!) + 1;
      if (bytes.length - at < rest) {
        const grown = Buffer.allocUnsafe(at + rest);
        bytes.copy(grown, 0, 0, at);
        bytes = grown;
      }
      measured = true;
    }
    if (i > 0) bytes[at++] = 0x2c; // ,
    const written = bytes.write(element, at);
    at += written;
    sinceTurn += written;
    if (sinceTurn >= BYTES_PER_TURN) {
      sinceTurn = 0;
      await nextTurn();
    }
  }
  bytes[at++] = 0x5d; // ]
  return bytes.subarray(0, at);
}
