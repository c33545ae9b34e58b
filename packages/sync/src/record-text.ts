/**
 * The provider's own JSON text of a record, kept beside the parsed record so the mirror
 * stores it as received instead of serializing the record again (`JSON.stringify` of every
 * record costs about what writing it to SQLite costs). Records without a kept text (other
 * sources, tests) are serialized.
 */
const texts = new WeakMap<object, string>();

/** The JSON the mirror stores for `record`: the provider's text when kept, else `JSON.stringify`. */
export function recordJson(record: object): string {
  return texts.get(record) ?? JSON.stringify(record);
}

/** Keeps `text` as the JSON of `record` (the caller checked they are the same record). */
export function keepRecordText(record: object, text: string): void {
  texts.set(record, text);
}

/** One element of a JSON array of records: its text, its top-level `id` and `version`. */
export interface RecordSlice {
  readonly text: string;
  readonly id: string | undefined;
  readonly version: number | undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Splits the text of a JSON array of objects into its elements, reading each one's
 * top-level `id` (a string) and `version` (a number) on the way; one pass, no parsing of
 * the rest. Returns `undefined` for anything else (then the caller serializes instead).
 * It trusts the text to be valid JSON: the SDK has parsed and checked the same text.
 *
 * @example
 * splitRecords('[{"id":"a","version":2}]'); // [{ text: '{"id":"a","version":2}', id: 'a', version: 2 }]
 */
export function splitRecords(text: string): RecordSlice[] | undefined {
  const n = text.length;
  let i = 0;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== OPEN_ARRAY) return undefined;
  i++;
  const out: RecordSlice[] = [];
  for (;;) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) return undefined;
    let c = text.charCodeAt(i);
    if (c === CLOSE_ARRAY && out.length === 0) return out;
    if (c !== OPEN_OBJECT) return undefined;
    const start = i;
    let depth = 0;
    let keyPosition = false;
    let key: string | undefined;
    let id: string | undefined;
    let version: number | undefined;
    for (; i < n; i++) {
      c = text.charCodeAt(i);
      if (c === QUOTE) {
        const from = i + 1;
        let escaped = false;
        for (i = from; i < n; i++) {
          const d = text.charCodeAt(i);
          if (d === BACKSLASH) {
            escaped = true;
            i++;
          } else if (d === QUOTE) break;
        }
        if (i >= n) return undefined;
        if (depth === 1) {
          const value = escaped ? (JSON.parse(text.slice(from - 1, i + 1)) as string) : text.slice(from, i);
          if (keyPosition) key = value;
          else if (key === 'id') id = value;
        }
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        depth++;
        keyPosition = depth === 1;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
        if (depth === 0) break;
      } else if (depth === 1) {
        if (c === COMMA) {
          keyPosition = true;
          key = undefined;
        } else if (c === COLON) {
          keyPosition = false;
          if (key === 'version') {
            let end = i + 1;
            while (end < n && text.charCodeAt(end) !== COMMA && text.charCodeAt(end) !== CLOSE_OBJECT) end++;
            // Number('') is 0: an empty or non-numeric value leaves the version unknown.
            const literal = text.slice(i + 1, end).trim();
            const number = literal === '' ? Number.NaN : Number(literal);
            if (Number.isFinite(number)) version = number;
          }
        }
      }
    }
    if (i >= n) return undefined;
    i++;
    out.push({ text: text.slice(start, i), id, version });
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    c = text.charCodeAt(i);
    if (c === COMMA) {
      i++;
      continue;
    }
    if (c === CLOSE_ARRAY) return out;
    return undefined;
  }
}
