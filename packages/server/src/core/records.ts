import { formatTimestamp, metaFields, type RecordType, recordFields } from '@finum-sync/spec';
import type { StoredRecord } from '../store/port.js';

export interface RecordMeta {
  id: string;
  ownerId: string;
  version: number;
  createdMs: number;
  updatedMs: number;
  deleted: boolean;
}

/**
 * Builds a stored record from its meta data and fields: every standard field present
 * (`null` when unset, `[]` for arrays), then `_` extension fields; write-only fields
 * (`callbackUrl`) and unknown names are dropped.
 */
export function composeRecord(
  type: RecordType,
  meta: RecordMeta,
  fields: Readonly<Record<string, unknown>>,
): StoredRecord {
  const data: Record<string, unknown> = {
    id: meta.id,
    createdAt: formatTimestamp(meta.createdMs),
    updatedAt: formatTimestamp(meta.updatedMs),
    version: meta.version,
    deleted: meta.deleted,
  };
  for (const [key, def] of Object.entries(recordFields[type])) {
    if (def.access === 'write-only') continue;
    const value = fields[key];
    data[key] = value === undefined ? ((def.schema as { type?: unknown }).type === 'array' ? [] : null) : value;
  }
  for (const [key, value] of Object.entries(fields)) {
    if (key.startsWith('_') && value !== undefined) data[key] = value;
  }
  return { type, ...meta, data };
}

/** The fields of a stored record without its meta data (for changes). */
export function fieldsOf(record: StoredRecord): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record.data)) {
    if (!Object.hasOwn(metaFields, key)) fields[key] = value;
  }
  return fields;
}

/** The next version of a record: same id and owner, version + 1, `updatedAt` now. */
export function nextVersion(
  record: StoredRecord,
  fields: Readonly<Record<string, unknown>>,
  nowMs: number,
  deleted = record.deleted,
): StoredRecord {
  return composeRecord(
    record.type,
    {
      id: record.id,
      ownerId: record.ownerId,
      version: record.version + 1,
      createdMs: record.createdMs,
      // Never earlier than the previous change, whatever the clock did.
      updatedMs: Math.max(nowMs, record.updatedMs),
      deleted,
    },
    fields,
  );
}
