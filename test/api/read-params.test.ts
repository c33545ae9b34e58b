import { RECORD_TYPES } from '@finum-sync/spec';
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { expectProblem } from '../helpers/problem.js';
import { idsOf } from '../helpers/records.js';
import { testRecord } from '../helpers/server.js';
import { useTestServer } from '../helpers/suite.js';

/** SPEC §6: the query parameters of the read endpoints, every 400 and what is tolerated. */

const dialects = inject('dialects');
const MAX_IDS = 1000;
/** A 64-character id (the longest there is) ending in `n`. */
const longId = (n: number) => `${'x'.repeat(58)}${String(n).padStart(6, '0')}`;

describe.each(dialects)('%s', (dialect) => {
  const suite = useTestServer(dialect, ({ server, consumer }) =>
    server.putRecords([
      ...['c1', 'c2', 'c3'].map((id) => testRecord('client', consumer.id, {}, { id })),
      ...[7, 500, 999].map((n) => testRecord('client', consumer.id, {}, { id: longId(n) })),
    ]),
  );

  const get = (path: string) => suite.server.get(path, suite.consumer);
  const invalid = async (path: string, detail: RegExp) => expectProblem(await get(path), 400, detail);

  describe('T-list', () => {
    it.each(RECORD_TYPES)('%s-list without a filter is a 400', async (type) => {
      await invalid(`/v1/${type}-list`, /needs a filter/);
    });

    it('two filters at once are a 400', async () => {
      await invalid('/v1/client-list?id-list=c1&external-id=CRM-1', /one filter/);
      await invalid('/v1/contract-list?holder-id=c1&id-list=k1', /one filter/);
    });

    it('an unknown query parameter is a 400 naming it', async () => {
      await invalid('/v1/client-list?id-list=c1&ids=c2', /'ids'/);
      await invalid('/v1/product-list?external-id=x', /'external-id'/);
    });

    it.each([
      ['a character outside [A-Za-z0-9_-]', 'c1,bad$id,c2', /'bad\$id'/],
      ['a space inside an id', 'c1,bad%20id', /'bad id'/],
      ['65 characters', `c1,${'y'.repeat(65)}`, /invalid id 'y{10}/],
    ])('an invalid id (%s) in id-list is a 400 naming it', async (_name, list, detail) => {
      await invalid(`/v1/client-list?id-list=${list}`, detail);
    });

    it(`more than ${MAX_IDS} distinct ids are a 400 naming the maximum`, async () => {
      const ids = Array.from({ length: MAX_IDS + 1 }, (_, i) => longId(i));
      await invalid(`/v1/client-list?id-list=${ids.join(',')}`, new RegExp(`maximum of ${MAX_IDS}\\b`));
    });

    it(`exactly ${MAX_IDS} ids of 64 characters (a request line of ~65 KB) are answered`, async () => {
      const path = `/v1/client-list?id-list=${Array.from({ length: MAX_IDS }, (_, i) => longId(i)).join(',')}`;
      expect(path.length).toBeGreaterThan(65_000);
      const res = await get(path);
      expect(res.status, res.text.slice(0, 300)).toBe(200);
      expect(idsOf(res.body)).toEqual([longId(7), longId(500), longId(999)]);
    });

    it(`duplicates do not count towards the ${MAX_IDS}`, async () => {
      const ids = Array.from({ length: MAX_IDS }, (_, i) => longId(i));
      const res = await get(`/v1/client-list?id-list=${[...ids, ...ids.slice(0, 200)].join(',')}`);
      expect(res.status).toBe(200);
      expect(idsOf(res.body)).toEqual([longId(7), longId(500), longId(999)]);
    });

    it('empty entries, duplicates and surrounding spaces are tolerated: each record once, in the order given', async () => {
      const res = await get('/v1/client-list?id-list=c3,,c1,%20c2%20,c3,c1,,%20,');
      expect(res.status).toBe(200);
      expect(idsOf(res.body)).toEqual(['c3', 'c1', 'c2']);
    });

    it.each([
      ['with a space', 'a%20b'],
      ['empty', ''],
      ['65 characters', 'h'.repeat(65)],
      ['with a slash', '..%2Fclients'],
    ])('an invalid holder-id (%s) is a 400 naming it', async (_name, value) => {
      await invalid(`/v1/contract-list?holder-id=${value}`, /holder-id/);
    });

    it('an external-id over 255 characters, or given twice, is a 400 naming it', async () => {
      await invalid(`/v1/client-list?external-id=${'e'.repeat(256)}`, /external-id/);
      await invalid('/v1/client-list?external-id=a&external-id=b', /external-id/);
    });
  });

  describe('T-id-list-updated', () => {
    it.each([
      ['not a time', 'yesterday'],
      ['a date only', '2026-11-23'],
      ['month 13', '2026-13-01T00:00:00.000Z'],
      ['31 February', '2026-02-31T10:00:00.000Z'],
      ['no zone', '2026-11-23T10:15:30.123'],
      ['epoch milliseconds', '1795000000000'],
    ])('an unparsable since (%s) is a 400 naming it', async (_name, since) => {
      await invalid(`/v1/client-id-list-updated?since=${since}`, /since/);
    });

    it('since more than 60 s in the future is a 400; within 60 s it is answered', async () => {
      await invalid(
        `/v1/client-id-list-updated?since=${new Date(Date.now() + 120_000).toISOString()}`,
        /since.*future/,
      );
      const near = await get(`/v1/client-id-list-updated?since=${new Date(Date.now() + 30_000).toISOString()}`);
      expect([near.status, near.body]).toEqual([200, []]);
    });

    it('since with an offset other than Z is read as RFC 3339', async () => {
      const res = await get('/v1/client-id-list-updated?since=2000-01-01T01:00:00%2B01:00');
      expect(res.status).toBe(200);
      expect([...res.body].sort()).toEqual(['c1', 'c2', 'c3', longId(7), longId(500), longId(999)].sort());
    });

    it('since given twice, or an unknown parameter, is a 400', async () => {
      await invalid(
        '/v1/client-id-list-updated?since=2000-01-01T00:00:00.000Z&since=2001-01-01T00:00:00.000Z',
        /since/,
      );
      await invalid('/v1/client-id-list-updated?until=2000-01-01T00:00:00.000Z', /'until'/);
    });
  });

  describe('file-download', () => {
    it.each([
      ['missing', '/v1/file-download', /id/],
      ['invalid', '/v1/file-download?id=..%2F..%2Fetc%2Fpasswd', /id/],
      ['empty', '/v1/file-download?id=', /id/],
      ['given twice', '/v1/file-download?id=f1&id=f2', /id/],
      ['beside an unknown parameter', '/v1/file-download?id=f1&name=x', /'name'/],
    ])('an id that is %s is a 400', async (_name, path, detail) => {
      await invalid(path, detail);
    });
  });

  it('any query on any read endpoint is a 200 or a 4xx problem, never a 5xx', async () => {
    const endpoints = [...RECORD_TYPES.flatMap((t) => [`${t}-list`, `${t}-id-list-updated`]), 'file-download'];
    const params = fc.constantFrom('id-list', 'since', 'holder-id', 'external-id', 'id', 'x', '');
    const value = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.stringMatching(/^[A-Za-z0-9_, %-]{0,80}$/),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...endpoints),
        fc.array(fc.tuple(params, value), { maxLength: 4 }),
        async (endpoint, pairs) => {
          const query = new URLSearchParams(pairs).toString();
          const res = await get(`/v1/${endpoint}?${query}`);
          if (res.status === 200) return;
          expectProblem(res, res.status);
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a query with broken percent-encoding is a 400 problem', async () => {
    expectProblem(await get('/v1/client-list?id-list=%E0%A4%A'), 400);
    expectProblem(await get('/v1/client-id-list-updated?since=%'), 400);
  });
});
