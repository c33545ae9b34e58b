import { describe, expect, inject, it } from 'vitest';
import { testRecord } from '../helpers/server.js';
import { useTestServer } from '../helpers/suite.js';

/** SPEC §6: id-list-updated answers 50,000 ids in one response, well inside 5 MB (no pagination). */

const dialects = inject('dialects');
const COUNT = 50_000;
/** The longest ids there are (64 characters): the worst case for the response size. */
const id = (n: number) => `${'c'.repeat(58)}${String(n).padStart(6, '0')}`;

describe.each(dialects)('%s', (dialect) => {
  const suite = useTestServer(dialect, ({ server, consumer }) =>
    server.putRecords(Array.from({ length: COUNT }, (_, n) => testRecord('client', consumer.id, {}, { id: id(n) }))),
  );

  it(`answers all ${COUNT} ids of 64 characters in one response under 5 MB`, async () => {
    const res = await suite.server.get('/v1/client-id-list-updated', suite.consumer);
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(COUNT);
    expect(new Set(res.body).size).toBe(COUNT);
    expect(res.body).toContain(id(COUNT - 1));
    expect(Buffer.byteLength(res.text)).toBeLessThan(5_000_000);
  });
});
