const OPEN = 0x5b; // [
const COMMA = 0x2c; // ,
const CLOSE = 0x5d; // ]

/**
 * A JSON array of JSON texts (stored records) written as UTF-8 in pieces, as its elements
 * arrive: the PostgreSQL list writes a piece for each read of rows from the database's
 * socket and sends it on at once. The first piece opens the array, each other element has
 * its comma, and `end()` closes it.
 *
 * Each element is encoded straight into the piece's buffer: not `Buffer.from(`[${elements.join(',')}]`)`,
 * whose joined string took twenty times as long to build and encode for 1,000 contracts of
 * 0.55 MB (6 ms against 0.3 ms on a slow day of the bench machine; BENCHMARKS.md, 2026-11-29).
 * The buffer is sized from the elements' lengths in characters, an eighth more for the letters
 * UTF-8 writes in two bytes or more: measuring each element's bytes first (`Buffer.byteLength`)
 * took three times as long as the writing itself. At the first element that might not fit,
 * the rest are measured exactly, once, and the buffer grows to that: one copy at most,
 * whatever the text.
 * @example
 * const array = new JsonArrayWriter();
 * send(array.write(['{"id":"a"}'])); send(array.write(['{"id":"b"}'])); send(array.end()); // [{"id":"a"},{"id":"b"}]
 */
export class JsonArrayWriter {
  #opened = false;

  /** The next elements, after `[` (the first piece) or a comma; `close` adds the `]`. */
  write(elements: readonly string[], close = false): Buffer {
    // A `[` or a comma before each element, and `[]` at most to close.
    let chars = elements.length + (close ? 2 : 0);
    for (const element of elements) chars += element.length;
    let bytes = Buffer.allocUnsafe(chars + (chars >> 3) + 8);
    let measured = false;
    let at = 0;
    for (let i = 0; i < elements.length; i++) {
      const element = elements[i]!;
      // A character takes at most three bytes (a surrogate pair, two characters, four): with room
      // for that, the comma and the closing bracket, the element fits.
      if (!measured && bytes.length - at < element.length * 3 + 2) {
        let rest = 1; // the closing bracket
        for (let j = i; j < elements.length; j++) rest += 1 + Buffer.byteLength(elements[j]!); // `[` or `,`, the element
        if (bytes.length - at < rest) {
          const grown = Buffer.allocUnsafe(at + rest);
          bytes.copy(grown, 0, 0, at);
          bytes = grown;
        }
        measured = true;
      }
      bytes[at++] = this.#opened ? COMMA : OPEN;
      this.#opened = true;
      at += bytes.write(element, at);
    }
    if (close) {
      if (!this.#opened) bytes[at++] = OPEN;
      bytes[at++] = CLOSE;
    }
    return bytes.subarray(0, at);
  }

  /** The closing `]` (`[]` when no element was written). */
  end(): Buffer {
    return this.write([], true);
  }
}

/**
 * The JSON array of `elements` (JSON texts) as UTF-8 bytes, in one buffer (see {@link JsonArrayWriter}).
 * @example
 * jsonArrayBytes(['{"id":"a"}', '2']).toString(); // '[{"id":"a"},2]'
 */
export function jsonArrayBytes(elements: readonly string[]): Buffer {
  return new JsonArrayWriter().write(elements, true);
}
