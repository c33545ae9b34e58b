import { basename } from 'node:path';
import {
  FILE_CATEGORIES,
  type FieldError,
  formatTimestamp,
  ID_REGEX,
  ProblemError,
  type RecordType,
} from '@finum-sync/spec';
import { fileTypeFromBuffer } from 'file-type';
import type { Actor, StoredRecord, StoreTx } from '../store/port.js';
import { audit } from './audit.js';
import type { BeforeCommit, CoreContext } from './context.js';
import { newRecordId } from './ids.js';
import { composeRecord } from './records.js';
import { applyChanges, commitWrite, ownRecord } from './write.js';
import { invalidBody } from './write-validation.js';

/** Media types accepted for documents; the bytes must match the type. */
export const ACCEPTED_FILE_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/tiff',
  'text/plain',
  'text/csv',
  'application/xml',
  'message/rfc822',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
] as const;

/** Types without a binary signature: their bytes must be text (UTF-8, no NUL). */
const TEXT_TYPES = new Set(['text/plain', 'text/csv', 'application/xml', 'message/rfc822']);

const normalizeType = (type: string) => {
  const t = type.split(';')[0]!.trim().toLowerCase();
  return t === 'text/xml' ? 'application/xml' : t;
};

/**
 * The media type of an upload, checked against its bytes: a type we accept whose
 * signature the bytes carry (or, for text types, bytes that are text). A missing or
 * generic declared type is taken from the bytes.
 */
export async function checkedMediaType(bytes: Buffer, declared: string | undefined): Promise<string> {
  const detected = await fileTypeFromBuffer(bytes);
  const claimed = declared ? normalizeType(declared) : 'application/octet-stream';
  const type = claimed === 'application/octet-stream' ? (detected?.mime ?? 'text/plain') : claimed;
  if (!(ACCEPTED_FILE_TYPES as readonly string[]).includes(type)) {
    throw new ProblemError(
      'unsupported-media-type',
      `Files of type ${type} are not accepted; accepted are ${ACCEPTED_FILE_TYPES.join(', ')}.`,
    );
  }
  if (TEXT_TYPES.has(type)) {
    const isText = bytes.indexOf(0) === -1 && Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
    if ((detected && detected.mime !== 'application/xml') || !isText) {
      throw invalidBody([
        { field: 'file', message: `is declared as ${type}, but its bytes are ${detected?.mime ?? 'not text'}` },
      ]);
    }
    return type;
  }
  if (detected?.mime !== type) {
    throw invalidBody([
      { field: 'file', message: `is declared as ${type}, but its bytes are ${detected?.mime ?? 'of no known type'}` },
    ]);
  }
  return type;
}

/**
 * A file name fit to store and to send in `Content-Disposition`: no path, no control
 * characters, and no bidirectional controls (a right-to-left override makes
 * `invoice\u202Efdp.exe` show as `invoiceexe.pdf`).
 */
export function safeFileName(name: string | undefined, fallback: string): string {
  const cleaned = basename((name ?? '').replace(/\\/g, '/'))
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim()
    .slice(0, 255);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? fallback : cleaned;
}

export interface FileBytesInfo {
  sha256: string;
  size: number;
  name: string;
  mimeType: string;
}

/**
 * Attaches stored bytes to a contract or client as a new file record of the same owner;
 * a contract's `fileIdList` grows (and `proposalFileId` points at a proposal when asked).
 */
export async function attachFileInTx(
  tx: StoreTx,
  target: StoredRecord,
  bytes: FileBytesInfo,
  category: string,
  options: { asProposal?: boolean } = {},
): Promise<{ file: StoredRecord; contract?: StoredRecord }> {
  const now = tx.nowMs;
  const id = newRecordId('file');
  const file = composeRecord(
    'file',
    { id, ownerId: target.ownerId, version: 1, createdMs: now, updatedMs: now, deleted: false },
    {
      ...(target.type === 'contract' ? { contractId: target.id } : { clientId: target.id }),
      name: bytes.name,
      mimeType: bytes.mimeType,
      size: bytes.size,
      sha256: bytes.sha256,
      category,
    },
  );
  await tx.putRecord(file);
  if (target.type !== 'contract') return { file };
  const fileIdList = [...((target.data.fileIdList as string[] | undefined) ?? []), id];
  const contract = applyChanges(target, { fileIdList, ...(options.asProposal ? { proposalFileId: id } : {}) }, now);
  await tx.putRecord(contract);
  return { file, contract };
}

export interface Upload {
  bytes: Buffer;
  filename: string | undefined;
  declaredType: string | undefined;
  /** The form's other fields: `contractId` or `clientId`, and `category`. */
  fields: Record<string, string>;
}

/** `POST /v1/file` (SPEC §7): a document for one of the consumer's contracts or clients. */
export async function uploadFile(
  ctx: CoreContext,
  consumerId: string,
  upload: Upload,
  beforeCommit?: BeforeCommit,
): Promise<StoredRecord> {
  // An empty form field counts as not given, as HTML forms (and the interactive docs) send them.
  const given = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value);
  const { contractId: rawContractId, clientId: rawClientId, category, ...unknown } = upload.fields;
  const [contractId, clientId] = [given(rawContractId), given(rawClientId)];
  const errors: FieldError[] = Object.keys(unknown).map((field) => ({ field, message: 'is not a known field' }));
  if ((contractId === undefined) === (clientId === undefined)) {
    errors.push({ field: 'contractId', message: 'give either contractId or clientId' });
  }
  for (const [field, value] of Object.entries({ contractId, clientId })) {
    if (value !== undefined && !ID_REGEX.test(value)) errors.push({ field, message: 'must be a valid id' });
  }
  if (!(FILE_CATEGORIES as readonly string[]).includes(category ?? '')) {
    errors.push({ field: 'category', message: `must be one of: ${FILE_CATEGORIES.join(', ')}` });
  }
  if (upload.bytes.length === 0) errors.push({ field: 'file', message: 'is empty' });
  if (errors.length > 0) throw invalidBody(errors);
  const mimeType = await checkedMediaType(upload.bytes, upload.declaredType);
  const [targetType, targetId] = contractId ? (['contract', contractId] as const) : (['client', clientId!] as const);
  // Refused before the bytes are stored: a refused upload leaves nothing behind.
  const visible = { getRecord: (type: RecordType, id: string) => ctx.store.visibleRecord(type, consumerId, id) };
  await ownRecord(visible, targetType, consumerId, targetId);
  const stored = await ctx.store.putBlob(upload.bytes);
  return commitWrite(ctx, async (tx, effects) => {
    const target = await ownRecord(tx, targetType, consumerId, targetId);
    const name = safeFileName(upload.filename, `${target.id}-${category}`);
    const { file } = await attachFileInTx(tx, target, { ...stored, name, mimeType }, category!);
    await effects.providerEvent(tx, {
      type: 'file.uploaded',
      occurredAt: formatTimestamp(tx.nowMs),
      consumerId,
      recordId: file.id,
      contractId: targetType === 'contract' ? target.id : null,
      clientId: targetType === 'client' ? target.id : null,
    });
    await beforeCommit?.(tx, file);
    return file;
  });
}

/** Back office: attach a document to a contract (`POST /admin/api/contracts/{id}/files`, CLI `contract attach`). */
export async function attachContractFile(
  ctx: CoreContext,
  contractId: string,
  upload: Omit<Upload, 'fields'>,
  category: string,
  options: { asProposal?: boolean },
  by: Actor,
): Promise<{ file: StoredRecord; contract?: StoredRecord }> {
  if (!(FILE_CATEGORIES as readonly string[]).includes(category)) {
    throw invalidBody([{ field: 'category', message: `must be one of: ${FILE_CATEGORIES.join(', ')}` }]);
  }
  if (upload.bytes.length === 0) throw invalidBody([{ field: 'file', message: 'is empty' }]);
  const mimeType = await checkedMediaType(upload.bytes, upload.declaredType);
  const liveContract = async (tx: Pick<StoreTx, 'getRecord'>) => {
    const contract = await tx.getRecord('contract', contractId);
    if (!contract) throw new ProblemError('not-found', `No contract with id ${contractId}.`);
    if (contract.deleted) throw new ProblemError('conflict', `The contract ${contractId} was deleted.`);
    return contract;
  };
  // Refused before the bytes are stored: a refused attachment leaves nothing behind.
  await ctx.store.transaction(liveContract);
  const stored = await ctx.store.putBlob(upload.bytes);
  return commitWrite(ctx, async (tx) => {
    const contract = await liveContract(tx);
    const name = safeFileName(upload.filename, `${contractId}-${category}`);
    const attached = await attachFileInTx(tx, contract, { ...stored, name, mimeType }, category, options);
    await auditFileAttached(tx, by, contract, attached.file, options);
    return attached;
  });
}

/** The audit entry of a document the provider attached to a contract. */
export function auditFileAttached(
  tx: StoreTx,
  by: Actor,
  contract: StoredRecord,
  file: StoredRecord,
  options: { asProposal?: boolean },
) {
  return audit(tx, by, {
    action: 'contract.file-attached',
    targetType: 'contract',
    targetId: contract.id,
    detail: {
      consumerId: contract.ownerId,
      fileId: file.id,
      category: file.data.category,
      name: file.data.name ?? null,
      mimeType: file.data.mimeType ?? null,
      size: file.data.size ?? null,
      asProposal: options.asProposal === true,
    },
  });
}
