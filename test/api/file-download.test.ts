import { createHash, randomBytes } from 'node:crypto';
import type { StoredRecord } from '@finum-sync/server';
import { describe, expect, inject, it } from 'vitest';
import { expectProblem } from '../helpers/problem.js';
import { storeFile } from '../helpers/records.js';
import { testRecord } from '../helpers/server.js';
import { useTestServer } from '../helpers/suite.js';

/** SPEC §6 `GET /v1/file-download?id=`: the bytes and their headers, conditional and range requests. */

const dialects = inject('dialects');
/** Over 2 MiB: the PostgreSQL blob store streams it in several chunks. */
const SIZE = 2.5 * 1024 * 1024;

describe.each(dialects)('%s', (dialect) => {
  let file: StoredRecord;
  const bytes = randomBytes(SIZE);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const suite = useTestServer(dialect, async ({ server, consumer }) => {
    file = await storeFile(server, consumer.id, 'f-policy', bytes, {
      name: 'Police 2026 – Müller.pdf',
      category: 'policy',
    });
    await server.putRecords([
      testRecord('file', consumer.id, { sha256, size: SIZE }, { id: 'f-deleted', deleted: true, version: 2 }),
    ]);
  });

  /** GET the bytes (the test helper would decode them as text). */
  const download = async (id: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${suite.server.url}/v1/file-download?id=${id}`, {
      headers: { ...(await suite.consumer.headers()), ...headers },
    });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  };

  it('serves the bytes with Content-Type, Content-Length, Content-Disposition and ETag', async () => {
    expect(file.data.sha256).toBe(sha256);
    const res = await download('f-policy');
    expect(res.status).toBe(200);
    expect(res.bytes.equals(bytes)).toBe(true);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-length')).toBe(String(SIZE));
    expect(res.headers.get('etag')).toBe(`"${sha256}"`);
    const disposition = res.headers.get('content-disposition')!;
    expect(disposition).toMatch(/^attachment;/);
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent('Police 2026 – Müller.pdf')}`);
  });

  it('If-None-Match with the ETag is a 304 without a body; another ETag gets the bytes', async () => {
    const fresh = await download('f-policy', { 'if-none-match': `"${sha256}"` });
    expect(fresh.status).toBe(304);
    expect(fresh.bytes.length).toBe(0);
    expect(fresh.headers.get('etag')).toBe(`"${sha256}"`);
    const stale = await download('f-policy', { 'if-none-match': `"${'0'.repeat(64)}"` });
    expect(stale.status).toBe(200);
    expect(stale.bytes.length).toBe(SIZE);
  });

  it.each([
    [0, 9],
    [1024 * 1024 - 5, 1024 * 1024 + 4],
    [SIZE - 10, SIZE - 1],
  ])('Range: bytes=%i-%i is a 206 with Content-Range and exactly those bytes', async (start, end) => {
    const res = await download('f-policy', { range: `bytes=${start}-${end}` });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${SIZE}`);
    expect(res.headers.get('content-length')).toBe(String(end - start + 1));
    expect(res.bytes.equals(bytes.subarray(start, end + 1))).toBe(true);
  });

  it('an unsatisfiable range is a 416 problem with Content-Range: bytes */size', async () => {
    const res = await suite.server.get('/v1/file-download?id=f-policy', suite.consumer, {
      range: `bytes=${SIZE}-${SIZE + 10}`,
    });
    expectProblem(res, 416);
    expect(res.headers.get('content-range')).toBe(`bytes */${SIZE}`);
  });

  it('a deleted file is a 404 problem', async () => {
    expectProblem(await suite.server.get('/v1/file-download?id=f-deleted', suite.consumer), 404);
  });
});
