import {
  type FieldDef,
  formatTimestamp,
  metaFields,
  ProblemError,
  RECORD_TYPES,
  type RecordType,
  recordFields,
} from '@finum-sync/spec';
import type { RecordRow, StoredRecord } from '../store/port.js';

export interface RecordMeta {
  id: string;
  ownerId: string;
  version: number;
  createdMs: number;
  updatedMs: number;
  deleted: boolean;
}

/** A value for each record type. */
const byRecordType = <V>(value: (type: RecordType) => V): Record<RecordType, V> =>
  // Object.fromEntries types its keys as string; RECORD_TYPES lists every record type.
  Object.fromEntries(RECORD_TYPES.map((type) => [type, value(type)])) as Record<RecordType, V>;

/** Per record type: the standard fields a record shows, each with its value when unset. */
const shownFields = byRecordType((type) =>
  Object.entries(recordFields[type] as Record<string, FieldDef>)
    .filter(([, def]) => def.access !== 'write-only')
    .map(([key, def]) => [key, (def.schema as { type?: unknown }).type === 'array' ? 'array' : 'null'] as const),
);

/** Per record type: the standard fields as recordBody() writes them (`,"key":`, and the text when unset). */
const bodyFields = byRecordType((type) =>
  shownFields[type].map(
    ([key, unset]) => [key, `,${JSON.stringify(key)}:`, unset === 'array' ? '[]' : 'null'] as const,
  ),
);

/** SPEC §7: a stored record, `_` fields included, is at most 64 KiB of JSON. */
export const MAX_RECORD_BYTES = 64 * 1024;

/** Refuses (413) a record whose JSON would exceed {@link MAX_RECORD_BYTES}. */
export function checkRecordSize(record: StoredRecord): void {
  const json = JSON.stringify(record.data);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: most records need no byte count.
  if (json.length * 3 <= MAX_RECORD_BYTES) return;
  const bytes = Buffer.byteLength(json);
  if (bytes <= MAX_RECORD_BYTES) return;
  throw new ProblemError(
    'payload-too-large',
    `The ${record.type} ${record.id} would be ${bytes} bytes of JSON; a stored record, _ fields included, is at most ${MAX_RECORD_BYTES} bytes (64 KiB).`,
    { extra: { limit: MAX_RECORD_BYTES } },
  );
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
  for (const [key, unset] of shownFields[type]) {
    const value = fields[key];
    data[key] = value !== undefined ? value : unset === 'array' ? [] : null;
  }
  for (const key in fields) {
    if (key.charCodeAt(0) === 95 /* _ */ && fields[key] !== undefined) data[key] = fields[key];
  }
  const { id, ownerId, version, createdMs, updatedMs, deleted } = meta;
  const record = { type, id, ownerId, version, createdMs, updatedMs, deleted, data };
  checkRecordSize(record);
  return record;
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

/** Characters JSON.stringify escapes in a string: quote, backslash, controls, surrogates (lone ones). */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify of a string: most need no escapes, and are quoted as they are. */
const jsonString = (text: string) => (ESCAPED.test(text) ? JSON.stringify(text) : `"${text}"`);

/**
 * `JSON.stringify(composeRecord(type, meta, fields).data)`, written straight as text:
 * twice as fast, and no object to collect — what bulk loads (the seed) need.
 */
export function recordBody(type: RecordType, meta: RecordMeta, fields: Readonly<Record<string, unknown>>): string {
  // Parts joined at the end: one flat string, where `+=` would leave a tree of a few dozen
  // pieces for the garbage collector to copy while a batch of rows waits to be written.
  const parts = [
    `{"id":${jsonString(meta.id)},"createdAt":"${formatTimestamp(meta.createdMs)}","updatedAt":"${formatTimestamp(meta.updatedMs)}","version":${JSON.stringify(meta.version)},"deleted":${meta.deleted}`,
  ];
  for (const [key, prefix, unset] of bodyFields[type]) {
    const value = fields[key];
    parts.push(
      prefix,
      value === undefined ? unset : typeof value === 'string' ? jsonString(value) : JSON.stringify(value),
    );
  }
  for (const key in fields) {
    const value = fields[key];
    if (key.charCodeAt(0) === 95 /* _ */ && value !== undefined)
      parts.push(`,${JSON.stringify(key)}:`, JSON.stringify(value));
  }
  parts.push('}');
  return parts.join('');
}

/** The table row of the record composeRecord() would build, without building it (bulk loads). */
export function recordRow(type: RecordType, meta: RecordMeta, fields: Readonly<Record<string, unknown>>): RecordRow {
  const { id, ownerId, version, createdMs, updatedMs, deleted } = meta;
  return { type, id, ownerId, version, createdMs, updatedMs, deleted, body: recordBody(type, meta, fields), fields };
}
