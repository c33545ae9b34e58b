import { createHash, randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { type Get, uid } from './support.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** BlobStore: content addressing, one copy per content, ranges. */
export function blobTests(store: Get) {
  it('stores bytes by their SHA-256, once per content', async () => {
    const bytes = randomBytes(10_000);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(await store().putBlob(bytes)).toEqual({ sha256, size: bytes.length });
    expect(await store().putBlob(Buffer.from(bytes))).toEqual({ sha256, size: bytes.length });
    const blob = await store().getBlob(sha256);
    expect(blob?.size).toBe(bytes.length);
    expect((await readAll(blob!.open())).equals(bytes)).toBe(true);
  });

  it('reads inclusive ranges, also across large contents', async () => {
    const bytes = randomBytes(2_500_000);
    const { sha256 } = await store().putBlob(bytes);
    const blob = (await store().getBlob(sha256))!;
    for (const [start, end] of [
      [0, 0],
      [10, 19],
      [1_048_570, 2_097_160],
      [2_499_990, 2_499_999],
    ] as const) {
      expect((await readAll(blob.open({ start, end }))).equals(bytes.subarray(start, end + 1))).toBe(true);
    }
  });

  it('knows no blob it did not store, nor a malformed hash', async () => {
    expect(await store().getBlob(createHash('sha256').update(uid('x')).digest('hex'))).toBeUndefined();
    expect(await store().getBlob('../../etc/passwd')).toBeUndefined();
  });
}
