/**
 * An incremental parser of a JSON array of strings — the answer of `T-id-list-updated` —
 * so that a list of 1,000,000 ids never exists as one text and one parsed array at once:
 * the bytes are read as they arrive and the ids handed out in pages.
 *
 * It accepts exactly what `JSON.parse` accepts for an array of strings (whitespace, every
 * string escape, `\u` surrogate pairs), and rejects anything else — another value in the
 * array, a missing comma, a trailing comma, text after the array, a truncated body, bytes
 * that are not UTF-8 — with an {@link IdListSyntaxError} that names the character offset.
 */

/**
 * The body of an id list is not a JSON array of strings.
 *
 * @example
 * try { new IdListParser().push('["a", 7]'); }
 * catch (e) { if (e instanceof IdListSyntaxError) console.log(e.offset, e.message); }
 */
export class IdListSyntaxError extends Error {
  override name = 'IdListSyntaxError';
  constructor(
    message: string,
    /** Offset (in characters of the decoded text) where the problem was found. */
    readonly offset: number,
  ) {
    super(`${message} at character ${offset}`);
  }
}

/** Where the parser is (plain numbers: no `const enum`, which isolated transpilers refuse). */
const State = {
  BeforeArray: 0,
  /** After `[`: a string or `]`. */
  FirstValue: 1,
  /** After `,`: a string. */
  NextValue: 2,
  InString: 3,
  /** After `\` inside a string. */
  Escape: 4,
  /** Inside `\uXXXX`. */
  Unicode: 5,
  /** After a string: `,` or `]`. */
  AfterValue: 6,
  Done: 7,
} as const;
type State = (typeof State)[keyof typeof State];

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

const isJsonWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isHexDigit = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/**
 * Feed it text in pieces of any size (`push`), then call `end()`; each call returns the
 * ids completed in that piece.
 *
 * @example
 * const parser = new IdListParser();
 * parser.push('["a", "b'); // ['a']
 * parser.push('c"]');      // ['bc']
 * parser.end();
 */
export class IdListParser {
  private state: State = State.BeforeArray;
  /** The string being read, when it spans pieces or holds escapes. */
  private current = '';
  private hex = '';
  /** Characters consumed before the current piece. */
  private consumed = 0;

  push(text: string): string[] {
    const ids: string[] = [];
    const length = text.length;
    let at = 0;
    const fail = (message: string): never => {
      throw new IdListSyntaxError(message, this.consumed + at);
    };
    while (at < length) {
      switch (this.state) {
        case State.InString: {
          // The usual id has no escape: scan to its closing quote and slice it once.
          let end = at;
          let c = 0;
          while (end < length) {
            c = text.charCodeAt(end);
            if (c === 0x22 || c === 0x5c || c < 0x20) break;
            end++;
          }
          if (end > at) this.current = this.current === '' ? text.slice(at, end) : this.current + text.slice(at, end);
          at = end;
          if (end === length) break;
          if (c === 0x22) {
            ids.push(this.current);
            this.current = '';
            this.state = State.AfterValue;
          } else if (c === 0x5c) {
            this.state = State.Escape;
          } else {
            fail('a control character inside a string');
          }
          at++;
          break;
        }
        case State.Escape: {
          const ch = text[at]!;
          if (ch === 'u') {
            this.hex = '';
            this.state = State.Unicode;
          } else {
            const mapped = SIMPLE_ESCAPES[ch];
            if (mapped === undefined) fail(`an invalid escape \\${ch}`);
            this.current += mapped;
            this.state = State.InString;
          }
          at++;
          break;
        }
        case State.Unicode: {
          if (!isHexDigit(text.charCodeAt(at))) fail('an invalid \\u escape');
          this.hex += text[at];
          at++;
          if (this.hex.length === 4) {
            this.current += String.fromCharCode(Number.parseInt(this.hex, 16));
            this.state = State.InString;
          }
          break;
        }
        default: {
          const c = text.charCodeAt(at);
          if (isJsonWhitespace(c)) {
            at++;
            break;
          }
          this.structural(c, fail);
          at++;
        }
      }
    }
    this.consumed += length;
    return ids;
  }

  /** A character outside strings. */
  private structural(c: number, fail: (message: string) => never) {
    switch (this.state) {
      case State.BeforeArray:
        if (c !== 0x5b) fail('expected the id list to be a JSON array');
        this.state = State.FirstValue;
        return;
      case State.FirstValue:
        if (c === 0x5d) this.state = State.Done;
        else if (c === 0x22) this.state = State.InString;
        else fail('expected a string id or "]"');
        return;
      case State.NextValue:
        if (c !== 0x22) fail('expected a string id after ","');
        this.state = State.InString;
        return;
      case State.AfterValue:
        if (c === 0x2c) this.state = State.NextValue;
        else if (c === 0x5d) this.state = State.Done;
        else fail('expected "," or "]" after an id');
        return;
      default:
        fail('unexpected text after the id list');
    }
  }

  /** The text has ended: throws unless it was one complete array. */
  end(): void {
    if (this.state !== State.Done)
      throw new IdListSyntaxError('the id list ended before its closing "]"', this.consumed);
  }
}

/**
 * Reads a body (bytes, UTF-8) holding a JSON array of strings and yields its ids in pages
 * of at most `pageSize`, as they arrive. Throws an {@link IdListSyntaxError} for anything
 * but such an array (also for bytes that are not UTF-8), after the pages read before it.
 *
 * @example
 * for await (const page of idListPages(response.body!, 1000)) await store(page);
 */
export async function* idListPages(
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  pageSize = 1000,
): AsyncGenerator<string[], void, undefined> {
  if (!(pageSize >= 1)) throw new RangeError('pageSize must be at least 1');
  const parser = new IdListParser();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let page: string[] = [];
  let decodedChars = 0;
  const decode = (bytes?: Uint8Array) => {
    try {
      const text = bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
      decodedChars += text.length;
      return text;
    } catch {
      throw new IdListSyntaxError('the body is not UTF-8', decodedChars);
    }
  };
  const take = function* (ids: string[]) {
    for (const id of ids) {
      page.push(id);
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
  };
  for await (const bytes of readBytes(body)) {
    yield* take(parser.push(decode(bytes)));
  }
  yield* take(parser.push(decode()));
  parser.end();
  if (page.length > 0) yield page;
}

/** A web stream through its reader (not every browser makes `ReadableStream` async-iterable). */
async function* readBytes(body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (!('getReader' in body)) {
    yield* body;
    return;
  }
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Stopped early (a consumer's break, a syntax error): the connection is not read on.
    await reader.cancel().catch(() => {});
  }
}
