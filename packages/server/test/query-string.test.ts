import fc from 'fast-check';
import fastQueryString from 'fast-querystring';
import { describe, expect, it } from 'vitest';
import { parseQueryString } from '../src/routes/query-string.js';

/** The router's query string parser: fast-querystring's answers, with a shortcut for text with nothing to decode. */
describe('parseQueryString', () => {
  // Plain objects to compare: fast-querystring's have no prototype.
  const plain = (parsed: object) => Object.entries(parsed);

  it('answers as fast-querystring for any text of the characters that matter to it', () => {
    const text = fc.string({
      unit: fc.constantFrom('a', 'b', 'id-list', ',', '=', '&', '%', '%20', '%zz', '+', ' ', 'é'),
      maxLength: 40,
    });
    fc.assert(
      fc.property(text, (query) => {
        const expected = query.length === 0 ? {} : fastQueryString.parse(query);
        expect(plain(parseQueryString(query))).toEqual(plain(expected));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads repeated parameters as an array, a pair without "=" as an empty value, and skips "&&"', () => {
    expect(plain(parseQueryString('x=1&&x=2&flag&x=3&=v'))).toEqual([
      ['x', ['1', '2', '3']],
      ['flag', ''],
      ['', 'v'],
    ]);
    expect(parseQueryString('')).toEqual({});
  });

  it('gives no parameter a prototype to reach through', () => {
    const parsed = parseQueryString('__proto__=x&constructor=y');
    expect(Object.getPrototypeOf(parsed)).toBeNull();
    expect(Object.entries(parsed)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
  });

  it('reads 20,000 pairs without "=" as one parameter repeated, and the pair after them', () => {
    const parsed = parseQueryString(`${'a&'.repeat(20_000)}b=1`);
    expect(parsed.a).toHaveLength(20_000);
    expect(parsed.b).toBe('1');
  });
});
