import { CLIENT_NAME_FIELD, type ClientCreate, type ClientPatch, formatTimestamp } from '@finum-sync/spec';
import type { StoredRecord } from '../store/port.js';
import type { BeforeCommit, CoreContext } from './context.js';
import { newRecordId } from './ids.js';
import { composeRecord } from './records.js';
import { checkReferences } from './references.js';
import { applyChanges, changedFields, checkVersion, commitWrite, ownRecord } from './write.js';
import { invalidBody } from './write-validation.js';

/** `POST /v1/client` (SPEC §7): the body as checked by `writeBodyOf('client', 'create', …)`. */
export async function createClient(
  ctx: CoreContext,
  consumerId: string,
  body: ClientCreate,
  beforeCommit?: BeforeCommit,
): Promise<StoredRecord> {
  const id = newRecordId('client');
  return commitWrite(ctx, async (tx, effects) => {
    await checkReferences(tx, consumerId, 'client', body);
    const now = tx.nowMs;
    const record = composeRecord(
      'client',
      { id, ownerId: consumerId, version: 1, createdMs: now, updatedMs: now, deleted: false },
      body,
    );
    await tx.putRecord(record);
    await effects.providerEvent(tx, clientEvent('client.created', record, now));
    await beforeCommit?.(tx, record);
    return record;
  });
}

/**
 * `PATCH /v1/client`: partial update, `null` clears, optional `version` (SPEC §7); the body
 * as checked by `writeBodyOf('client', 'patch', …)`.
 */
export async function updateClient(ctx: CoreContext, consumerId: string, body: ClientPatch): Promise<StoredRecord> {
  return commitWrite(ctx, async (tx, effects) => {
    const current = await ownRecord(tx, 'client', consumerId, String(body.id));
    checkVersion(current, body.version);
    const changes = changedFields(body, ['id', 'version']);
    await checkReferences(tx, consumerId, 'client', changes);
    const merged = { ...current.data, ...changes };
    const missing = CLIENT_NAME_FIELD[current.data.type as keyof typeof CLIENT_NAME_FIELD];
    if (merged[missing] === null)
      throw invalidBody([{ field: missing, message: `is required for a ${current.data.type}` }]);
    const updated = applyChanges(current, changes, tx.nowMs);
    if (updated !== current) {
      await tx.putRecord(updated);
      await effects.providerEvent(tx, clientEvent('client.updated', updated, tx.nowMs));
    }
    return updated;
  });
}

/** The provider event of a consumer's change to a client (SPEC §10). */
function clientEvent(type: 'client.created' | 'client.updated', client: StoredRecord, nowMs: number) {
  return { type, occurredAt: formatTimestamp(nowMs), consumerId: client.ownerId, recordId: client.id };
}
