import { type FieldError, REFERENCE_FIELDS, type RecordType, type WritableType } from '@finum-sync/spec';
import type { RecordTx, StoredRecord } from '../store/port.js';
import { invalidBody } from './write-validation.js';

/**
 * The references a consumer's write makes (the spec's `REFERENCE_FIELDS`) must be records
 * it may use (SPEC §4): its own clients and users, or a product that is not withdrawn.
 * A `null` or absent reference is not checked. Returns the records referred to, by field.
 */
export async function checkReferences(
  tx: RecordTx,
  consumerId: string,
  type: WritableType,
  fields: Record<string, unknown>,
): Promise<Record<string, StoredRecord>> {
  const errors: FieldError[] = [];
  const found: Record<string, StoredRecord> = {};
  for (const [field, target] of Object.entries(REFERENCE_FIELDS[type]) as [string, RecordType][]) {
    const id = fields[field];
    if (id === undefined || id === null) continue;
    const record = await tx.getRecord(target, String(id));
    // Products are every consumer's; any other record only its owner's.
    if (!record || record.deleted || (target !== 'product' && record.ownerId !== consumerId)) {
      errors.push({ field, message: `no ${target} with id ${String(id)}` });
    } else if (target === 'product' && record.data.active === false) {
      errors.push({ field, message: 'the product is withdrawn' });
    } else {
      found[field] = record;
    }
  }
  if (errors.length > 0) throw invalidBody(errors);
  return found;
}
