/** What the contract suite's slice files share. */
import { randomUUID } from 'node:crypto';
import type { JsonText, Store, StoredRecord } from '@finum-sync/server/internal';
import type { RecordType } from '@finum-sync/spec';

/** The store under test (set once the suite opened it). */
export type Get = () => Store;

/** A fresh id, so that tests share one database without seeing each other's rows. */
export const uid = (prefix: string) => `${prefix}-${randomUUID().slice(0, 12)}`;

/** A JSON array the store hands out (text or UTF-8 bytes), parsed. */
export const parseJson = (json: JsonText): unknown =>
  JSON.parse(typeof json === 'string' ? json : json.toString('utf8'));

/** A record of `type` with its header; a contract always has a holder and a status. */
export function record(
  type: RecordType,
  id: string,
  ownerId: string,
  fields: Record<string, unknown> = {},
  header: Partial<Pick<StoredRecord, 'version' | 'createdMs' | 'updatedMs' | 'deleted'>> = {},
): StoredRecord {
  const version = header.version ?? 1;
  const updatedMs = header.updatedMs ?? 1_000;
  return {
    type,
    id,
    ownerId,
    version,
    createdMs: header.createdMs ?? 1_000,
    updatedMs,
    deleted: header.deleted ?? false,
    // A contract always has a holder and a status (columns of their own).
    data: { id, version, ...(type === 'contract' ? { holderId: 'cl-0', status: 120 } : {}), ...fields },
  };
}
