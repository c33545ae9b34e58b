import Type, { type Static, type TSchema, type TUnsafe } from 'typebox';

/**
 * Any JSON value: what an extension field (`_…`) of a record may hold.
 * @example
 * const extra: JsonValue = { plate: 'W-12345X', checked: true };
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * The extension fields of a record or write (SPEC §2): names starting with `_`, any JSON value.
 * @example
 * const ext: ExtensionFields = { _licensePlate: 'W-12345X' };
 */
export type ExtensionFields = { [field: `_${string}`]: JsonValue };

/**
 * A JSON Schema object whose static type TypeBox cannot infer by itself (extension fields,
 * conditional requirements): `Static<typeof X>` is `T`. The schema is the plain JSON
 * Schema the OpenAPI document shows; `properties` stays readable for tools that walk it.
 * @example
 * const Point = typed<{ x: number }>()({ type: 'object', properties: { x: { type: 'number' } } });
 * type Point = Static<typeof Point>; // { x: number }
 */
export type TTyped<T> = TUnsafe<T> & {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, TSchema>>;
  readonly required?: readonly string[];
};

/**
 * Gives a JSON Schema object its static type (no runtime change: the object is returned as it is).
 * @example
 * const Point = typed<{ x: number }>()({ type: 'object', properties: { x: { type: 'number' } } });
 */
export const typed =
  <T>() =>
  (schema: object): TTyped<T> =>
    schema as TTyped<T>;

/** SPEC §2: ids are 1–64 characters of `[A-Za-z0-9_-]`, opaque to the consumer. */
export const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
export const ID_REGEX = new RegExp(ID_PATTERN);

/** RFC 3339 in UTC with milliseconds, as every timestamp this API writes. */
export const TIMESTAMP_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$';

export const Id = Type.String({
  pattern: ID_PATTERN,
  minLength: 1,
  maxLength: 64,
  description: 'Provider-assigned id: 1–64 characters of A–Z, a–z, 0–9, `_` and `-`.',
  examples: ['c-1042'],
});

export const Timestamp = Type.String({
  format: 'date-time',
  pattern: TIMESTAMP_PATTERN,
  description: 'RFC 3339 timestamp in UTC with milliseconds.',
  examples: ['2026-11-23T10:15:30.123Z'],
});

export const IsoDate = Type.String({
  format: 'date',
  description: 'Calendar date `YYYY-MM-DD`.',
  examples: ['1984-05-17'],
});

export const Money = Type.String({
  pattern: '^\\d{1,15}(\\.\\d{1,4})?$',
  description: 'Decimal amount as a string, beside the record’s `currency`.',
  examples: ['1234.50'],
});

export const Currency = Type.String({
  pattern: '^[A-Z]{3}$',
  description: 'ISO 4217 currency code.',
  examples: ['EUR'],
});

export const Country = Type.String({
  pattern: '^[A-Z]{2}$',
  description: 'ISO 3166-1 alpha-2 country code.',
  examples: ['AT'],
});

/**
 * Items as words: `a, b and c` (or `a, b or c`).
 * @example
 * wordList(['pending', 'delivered', 'gone', 'failed'], 'or'); // 'pending, delivered, gone or failed'
 */
export const wordList = (items: readonly unknown[], conjunction: 'and' | 'or') =>
  items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`;

/**
 * A list of record ids, as `T-id-list-updated` answers.
 * @example
 * const ids: IdList = ['c-1001', 'c-1002'];
 */
export const IdList = Type.Array(Id, { description: 'Record ids.' });
export type IdList = Static<typeof IdList>;

/**
 * An e-mail address: JSON Schema's `email` format, at most 254 characters.
 * @example
 * const check = compileCheck(Email); check('anna@example.com'); // []
 */
export const Email = Type.String({ format: 'email', maxLength: 254, examples: ['anna.huber@example.com'] });

/**
 * Phone numbers: digits, spaces and `()/.-`, optionally a leading `+`; 3–40 characters.
 * @example
 * new RegExp(PHONE_PATTERN).test('+43 1 234 5678'); // true
 */
export const PHONE_PATTERN = '^\\+?[0-9 ()/.-]{3,40}$';

/**
 * A phone number, preferably E.164.
 * @example
 * compileCheck(Phone)('call me'); // [{ field: '', message: … }]
 */
export const Phone = Type.String({ pattern: PHONE_PATTERN });

export const Sha256 = Type.String({ pattern: '^[a-f0-9]{64}$', description: 'Lower-case hex SHA-256 of the bytes.' });

/** Free text of bounded length: names, notes, descriptions. */
export const Text = (maxLength: number, description?: string) =>
  Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) });

export const ExternalId = Type.String({
  minLength: 1,
  maxLength: 255,
  description: 'The consumer’s own id for this record (any text up to 255 characters).',
  examples: ['CRM-4711'],
});

const DAY_MS = 86_400_000;
const digits = (width: number, count: number) =>
  Array.from({ length: count }, (_, i) => String(i).padStart(width, '0'));
const TWO_DIGITS = digits(2, 60);
const THREE_DIGITS = digits(3, 1000);
/** `YYYY-MM-DDT` by day since the epoch: timestamps of a process fall on few days. */
const dayPrefixes = new Map<number, string>();

/**
 * Milliseconds since the epoch → the API's timestamp form, exactly `Date#toISOString()`
 * (which it calls once per day): the seed and bulk writes format millions of them.
 */
export function formatTimestamp(ms: number): string {
  // Fractions and times past Date's range (±8.64e15 ms): toISOString's own result or RangeError.
  if (!Number.isInteger(ms) || Math.abs(ms) > 8.64e15) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    const iso = new Date(day * DAY_MS).toISOString();
    prefix = iso.slice(0, iso.indexOf('T') + 1);
    if (dayPrefixes.size >= 4096) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  let t = ms - day * DAY_MS;
  const milli = t % 1000;
  t = (t - milli) / 1000;
  const second = t % 60;
  t = (t - second) / 60;
  const minute = t % 60;
  const hour = (t - minute) / 60;
  return `${prefix}${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}.${THREE_DIGITS[milli]}Z`;
}

/**
 * Parses an RFC 3339 timestamp (any offset, optional fraction) into epoch milliseconds;
 * `undefined` when it is not one. Stricter than `Date.parse`, which accepts many forms.
 */
export function parseTimestamp(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || s! > 60) return undefined;
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2026-02-31 over into March; refuse dates that do not exist.
  const probe = new Date(Date.UTC(y!, mo! - 1, d!));
  if (probe.getUTCDate() !== d) return undefined;
  return ms;
}
