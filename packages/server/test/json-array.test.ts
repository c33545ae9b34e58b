import { setImmediate as nextTurn } from 'node:timers/promises';
import { jsonArrayBytes } from '@finum-sync/server/internal';
import { describe, expect, it } from 'vitest';

/** The PostgreSQL list's encoding (store/json-array.ts): the same bytes as joining and encoding. */
describe('jsonArrayBytes', () => {
  const joined = (elements: string[]) => Buffer.from(`[${elements.join(',')}]`);

  it('writes the JSON array of the elements, any characters, as UTF-8', async () => {
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
      const bytes = await jsonArrayBytes(elements);
      expect(bytes.equals(joined(elements)), JSON.stringify(elements)).toBe(true);
      expect(JSON.parse(bytes.toString('utf8'))).toEqual(elements.map((e) => JSON.parse(e)));
    }
  });

  it('lets the event loop turn while it encodes a list of large records (64 MB), not for a small one', async () => {
    const turnsDuring = async (elements: string[]) => {
      let turns = 0;
      let encoding = true;
      const count = async () => {
        while (encoding) {
          await nextTurn();
          turns++;
        }
      };
      const counting = count();
      const bytes = await jsonArrayBytes(elements);
      encoding = false;
      await counting;
      expect(bytes.equals(joined(elements))).toBe(true);
      return turns;
    };
    const large = Array.from({ length: 1000 }, (_, i) => `{"id":"r${i}","_pad":"${'é'.repeat(32 * 1024 - 20)}"}`);
    const small = Array.from({ length: 1000 }, (_, i) => `{"id":"r${i}","lastName":"Müller"}`);
    // 64 MB in turns of about 2 MB: some 60 turns, at least 20.
    expect(await turnsDuring(large)).toBeGreaterThan(20);
    // The small list (40 KB) in one go: only the turn after it.
    expect(await turnsDuring(small)).toBeLessThanOrEqual(1);
  });
});
