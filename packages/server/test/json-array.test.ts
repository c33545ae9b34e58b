import { JsonArrayWriter, jsonArrayBytes } from '@finum-sync/server/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** The PostgreSQL list's encoding (store/json-array.ts): the same bytes as joining and encoding, in one piece or several. */
describe('jsonArrayBytes', () => {
  const joined = (elements: string[]) => Buffer.from(`[${elements.join(',')}]`);

  it('writes the JSON array of the elements, any characters, as UTF-8', () => {
    const cases = [
      [],
      ['{}'],
      ['{"a":1}', '"x"', '2'],
      ['{"name":"Müller"}', '{"city":"Łódź"}', '{"emoji":"🦊"}', '{"ascii":"plain"}'],
      // The buffer starts at the characters' count and an eighth: plain records first, then
      // records of two-, three- and four-byte characters that outgrow it, some several times.
      [
        ...Array.from({ length: 50 }, (_, i) => `{"id":"a${i}"}`),
        ...Array.from({ length: 50 }, (_, i) => `{"id":"b${i}","n":"${'ü'.repeat(i * 7)}"}`),
        ...Array.from({ length: 20 }, (_, i) => `{"id":"c${i}","n":"${'€'.repeat(300)}"}`),
        `{"id":"d","n":"${'🦊'.repeat(5000)}"}`,
        '{"id":"e"}',
      ],
      ['"€"'],
      [`"${'€'.repeat(10_000)}"`, `"${'🦊'.repeat(10_000)}"`],
    ];
    for (const elements of cases) {
      const bytes = jsonArrayBytes(elements);
      expect(bytes.equals(joined(elements)), JSON.stringify(elements)).toBe(true);
      expect(JSON.parse(bytes.toString('utf8'))).toEqual(elements.map((e) => JSON.parse(e)));
    }
  });

  it('writes the same array in pieces, however the elements are split, and `[]` for none', () => {
    const element = fc.oneof(
      fc.constantFrom('{}', '2', '"x"', '{"name":"Müller"}', '"€"', '"🦊"'),
      fc.string({ unit: fc.constantFrom('a', 'ü', '€', '🦊'), maxLength: 3000 }).map((t) => JSON.stringify(t)),
    );
    fc.assert(
      fc.property(fc.array(fc.array(element, { maxLength: 8 }), { maxLength: 6 }), (pieces) => {
        const array = new JsonArrayWriter();
        const written = Buffer.concat([...pieces.map((piece) => array.write(piece)), array.end()]);
        expect(written.equals(joined(pieces.flat()))).toBe(true);
      }),
      { numRuns: 500 },
    );
    expect(new JsonArrayWriter().end().toString()).toBe('[]');
  });
});
