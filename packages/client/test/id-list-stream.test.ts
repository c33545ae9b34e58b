import { generateKeyPairSync } from 'node:crypto';
import {
  createClient,
  FinumResponseError,
  FinumTimeoutError,
  IdListParser,
  IdListSyntaxError,
  idListPages,
} from '@finum-sync/client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const encoder = new TextEncoder();

/** Feeds `bytes` to idListPages in the pieces cut at `cuts` and collects the pages. */
async function pagesOf(bytes: Uint8Array, cuts: number[], pageSize: number): Promise<string[][]> {
  const bounds = [
    0,
    ...[...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b),
    bytes.length,
  ];
  async function* pieces() {
    for (let i = 0; i + 1 < bounds.length; i++) yield bytes.subarray(bounds[i], bounds[i + 1]);
  }
  const pages: string[][] = [];
  for await (const page of idListPages(pieces(), pageSize)) pages.push(page);
  return pages;
}

/** JSON text of `ids` with arbitrary JSON whitespace and, per character, a plain or escaped spelling. */
const spelledIdList = fc
  .array(
    fc.record({
      id: fc.string({ unit: 'grapheme', maxLength: 12 }),
      escapeAll: fc.boolean(),
      before: fc.stringMatching(/^[ \t\n\r]{0,3}$/),
      after: fc.stringMatching(/^[ \t\n\r]{0,3}$/),
    }),
    { maxLength: 12 },
  )
  .chain((entries) =>
    fc.record({
      entries: fc.constant(entries),
      open: fc.stringMatching(/^[ \t\n\r]{0,3}$/),
      close: fc.stringMatching(/^[ \t\n\r]{0,3}$/),
    }),
  )
  .map(({ entries, open, close }) => {
    const spell = (id: string, escapeAll: boolean) =>
      escapeAll
        ? `"${Array.from({ length: id.length }, (_, i) => `\\u${id.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')}"`
        : JSON.stringify(id);
    const text = `${open}[${entries.map((e) => `${e.before}${spell(e.id, e.escapeAll)}${e.after}`).join(',')}]${close}`;
    return { ids: entries.map((e) => e.id), text };
  });

describe('streaming id-list parser', () => {
  it('yields what JSON.parse reads, in pages, however the bytes are cut (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        spelledIdList,
        fc.array(fc.nat(400), { maxLength: 8 }),
        fc.integer({ min: 1, max: 5 }),
        async ({ ids, text }, cuts, pageSize) => {
          expect(JSON.parse(text)).toEqual(ids);
          const pages = await pagesOf(encoder.encode(text), cuts, pageSize);
          expect(pages.flat()).toEqual(ids);
          expect(pages.every((p, i) => p.length === (i < pages.length - 1 ? pageSize : p.length))).toBe(true);
          expect(pages.every((p) => p.length >= 1 && p.length <= pageSize)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads the same list when cut into two at every byte position (escapes, multi-byte UTF-8, whitespace)', async () => {
    const ids = ['a', 'b"c', 'd\\e', 'f/g', '\b\f\n\r\t', 'é€😀', 'A-_9', ''];
    const text = ` \n[ ${ids.map((id) => JSON.stringify(id)).join(' ,\t')} , "\\u00e9\\ud83d\\ude00\\/" ]\r\n`;
    const bytes = encoder.encode(text);
    const expected = JSON.parse(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect((await pagesOf(bytes, [cut], 3)).flat(), `cut at byte ${cut}`).toEqual(expected);
    }
    // Byte by byte, too.
    const all = Array.from({ length: bytes.length }, (_, i) => i);
    expect((await pagesOf(bytes, all, 1000)).flat()).toEqual(expected);
  });

  it('rejects what is not a JSON array of strings with an IdListSyntaxError, wherever the bytes are cut', async () => {
    const malformed = [
      '',
      '   ',
      '{}',
      '"a"',
      '[',
      '["a"',
      '["a",]',
      '[,"a"]',
      '["a" "b"]',
      '["a",,"b"]',
      '[1]',
      '["a",null]',
      '["a"]]',
      '["a"] x',
      '["a\\x"]',
      '["\\u12G4"]',
      '["a\nb"]',
      '["abc',
      '["a\\',
      '["\\u00',
    ];
    for (const text of malformed) {
      const isIdList = (() => {
        try {
          const value = JSON.parse(text);
          return Array.isArray(value) && value.every((v) => typeof v === 'string');
        } catch {
          return false;
        }
      })();
      expect(isIdList, text).toBe(false);
      const bytes = encoder.encode(text);
      for (let cut = 0; cut <= bytes.length; cut++) {
        await expect(pagesOf(bytes, [cut], 1), `${JSON.stringify(text)} cut at ${cut}`).rejects.toBeInstanceOf(
          IdListSyntaxError,
        );
      }
    }
    // Bytes that are not UTF-8.
    await expect(pagesOf(Uint8Array.from([0x5b, 0x22, 0xff, 0x22, 0x5d]), [], 1)).rejects.toThrow(/not UTF-8/);
  });

  it('agrees with JSON.parse on arbitrary text: same ids, or an IdListSyntaxError where JSON.parse does not give an array of strings (fast-check)', () => {
    const alphabet = fc.constantFrom('[', ']', ',', '"', '\\', 'u', '0', 'a', 'n', ' ', '\n', '1', 'x', 'F');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 16 }), (chars) => {
        const text = chars.join('');
        let expected: string[] | undefined;
        try {
          const value = JSON.parse(text);
          if (Array.isArray(value) && value.every((v) => typeof v === 'string')) expected = value;
        } catch {}
        const parser = new IdListParser();
        const read = () => {
          const ids = parser.push(text);
          parser.end();
          return ids;
        };
        if (expected) expect(read()).toEqual(expected);
        else expect(read).toThrow(IdListSyntaxError);
      }),
      { numRuns: 2000 },
    );
  });

  it('names the offset of the error', () => {
    const parser = new IdListParser();
    expect(parser.push('["ab", ')).toEqual(['ab']);
    expect(() => parser.push(' 7]')).toThrow(/expected a string id after "," at character 8/);
  });

  describe('client.changedIdPages', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    /** A client whose fetch answers with `pieces` (then, unless `end` is false, the end of the body). */
    const clientAnswering = (pieces: string[], end = true) =>
      createClient({
        baseUrl: 'https://provider.test',
        payload: { sub: 'c', aud: 'https://provider.test' },
        privateKey: pem,
        timeout: 50,
        maxRetries: 0,
        fetch: async () =>
          new Response(
            new ReadableStream<Uint8Array>({
              start(controller) {
                for (const piece of pieces) controller.enqueue(encoder.encode(piece));
                if (end) controller.close();
              },
            }),
            { headers: { 'x-sync-until': '2026-11-28T10:00:00.000Z' } },
          ),
      });

    it('hands out the watermark and the pages; an id off the schema or a broken array is a FinumResponseError', async () => {
      const listing = await clientAnswering(['["a","b",', '"c"]']).contracts.changedIdPages({ pageSize: 2 });
      expect(listing.syncUntil).toBe('2026-11-28T10:00:00.000Z');
      const pages: string[][] = [];
      for await (const page of listing.pages) pages.push(page);
      expect(pages).toEqual([['a', 'b'], ['c']]);

      for (const body of [['["a", "b c"]'], ['["a",', ']']]) {
        const bad = await clientAnswering(body).contracts.changedIdPages();
        await expect(
          (async () => {
            for await (const _ of bad.pages);
          })(),
        ).rejects.toBeInstanceOf(FinumResponseError);
      }
    });

    it('fails with a FinumTimeoutError when the body stalls mid-list, instead of hanging', async () => {
      const listing = await clientAnswering(['["a",'], false).contracts.changedIdPages();
      await expect(
        (async () => {
          for await (const _ of listing.pages);
        })(),
      ).rejects.toBeInstanceOf(FinumTimeoutError);
    });
  });
});
