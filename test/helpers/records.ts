import type { StoredRecord } from '@finum-sync/server';
import { type TestServer, testRecord } from './server.js';

/** Stores `bytes` as a blob and a file record (owned by `ownerId`) that points at them. */
export async function storeFile(
  server: TestServer,
  ownerId: string,
  id: string,
  bytes: Buffer,
  fields: Record<string, unknown> = {},
): Promise<StoredRecord> {
  const { sha256, size } = await server.store.putBlob(bytes);
  const record = testRecord('file', ownerId, { name: `${id}.pdf`, size, sha256, ...fields }, { id });
  await server.putRecords([record]);
  return record;
}

/** The ids of a list response body, in order. */
export const idsOf = (body: { id: string }[]) => body.map((r) => r.id);

/** A contract of the demo data's liability product asking for a proposal (status 120), as the create-contract flow sends it. */
export const proposalRequest = (holderId: string, extra: Record<string, unknown> = {}) => ({
  holderId,
  productId: 'p-liability-01',
  status: 120,
  startDate: '2027-01-01',
  premium: '9.90',
  currency: 'EUR',
  paymentFrequency: 'monthly',
  ...extra,
});
