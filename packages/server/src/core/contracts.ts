import {
  type ContractCreate,
  type ContractPatch,
  type ContractStatus,
  checkConsumerTransition,
  DATA_FROZEN_FROM,
  DEFAULT_CREATE_STATUS,
  isContractStatus,
  formatTimestamp as iso,
  missingForProposalNote,
  PROPOSAL_REQUESTED,
  ProblemError,
  statusDef,
  WAIT_FOR_CLIENT_DATA,
} from '@finum-sync/spec';
import type { Actor, AuditTx, StoredRecord, StoreTx } from '../store/port.js';
import { audit } from './audit.js';
import type { BeforeCommit, CoreContext } from './context.js';
import { newRecordId } from './ids.js';
import { composeRecord, fieldsOf } from './records.js';
import { checkReferences } from './references.js';
import { applyChanges, changedFields, checkVersion, commitWrite, ownRecord, type WriteEffects } from './write.js';
import { invalidBody } from './write-validation.js';

/** Fields of the product's `requiredFields` that the contract lacks (SPEC §8: → 110). */
export function missingForProposal(product: StoredRecord | undefined, fields: Record<string, unknown>): string[] {
  const required = (product?.data.requiredFields as string[] | undefined) ?? [];
  return required.filter((f) => fields[f] === undefined || fields[f] === null || fields[f] === '');
}

/** A proposal is requested: with data missing, the provider answers 110 and names what is missing. */
function proposalOutcome(product: StoredRecord | undefined, fields: Record<string, unknown>) {
  const missing = missingForProposal(product, fields);
  return missing.length > 0
    ? { status: WAIT_FOR_CLIENT_DATA as ContractStatus, statusNote: missingForProposalNote(missing) }
    : { status: PROPOSAL_REQUESTED as ContractStatus, statusNote: null };
}

/** `POST /v1/contract` (SPEC §7–8): the body as checked by `writeBodyOf('contract', 'create', …)`. */
export async function createContract(
  ctx: CoreContext,
  consumerId: string,
  body: ContractCreate,
  beforeCommit?: BeforeCommit,
): Promise<StoredRecord> {
  const callbackUrl = body.callbackUrl as string | null | undefined;
  if (typeof callbackUrl === 'string') await ctx.checkCallbackUrl(callbackUrl);
  const id = newRecordId('contract');
  return commitWrite(ctx, async (tx, effects) => {
    const fields = changedFields(body, ['callbackUrl', 'status']);
    const { productId: product } = await checkReferences(tx, consumerId, 'contract', fields);
    const requested = (body.status as ContractStatus | undefined) ?? DEFAULT_CREATE_STATUS;
    const outcome =
      requested === PROPOSAL_REQUESTED ? proposalOutcome(product, fields) : { status: requested, statusNote: null };
    const now = tx.nowMs;
    const record = composeRecord(
      'contract',
      { id, ownerId: consumerId, version: 1, createdMs: now, updatedMs: now, deleted: false },
      { ...fields, ...outcome, statusChangedAt: iso(now), fileIdList: [] },
    );
    await tx.putRecord(record);
    await effects.contractCreated(tx, record);
    if (typeof callbackUrl === 'string') await tx.setPendingCallback(id, consumerId, callbackUrl);
    await beforeCommit?.(tx, record);
    return record;
  });
}

/**
 * `PATCH /v1/contract`: data (below 200), consumer transitions, one-shot callback (SPEC §7–8);
 * the body as checked by `writeBodyOf('contract', 'patch', …)`.
 */
export async function updateContract(
  ctx: CoreContext,
  consumerId: string,
  body: ContractPatch,
  beforeCommit?: BeforeCommit,
): Promise<StoredRecord> {
  const callbackUrl = body.callbackUrl as string | null | undefined;
  if (typeof callbackUrl === 'string') await ctx.checkCallbackUrl(callbackUrl);
  return commitWrite(ctx, async (tx, effects) => {
    const current = await ownRecord(tx, 'contract', consumerId, String(body.id));
    checkVersion(current, body.version);
    const from = current.data.status as ContractStatus;
    const requested = body.status as ContractStatus | undefined;
    if (requested !== undefined) {
      const transition = checkConsumerTransition(from, requested);
      if (!transition.ok) {
        const allowed = transition.allowed.length > 0 ? transition.allowed.join(', ') : 'none';
        throw new ProblemError(
          'transition-not-allowed',
          `A consumer cannot move a contract from ${from} (${statusDef(from).label}) to ${requested}; from ${from} it may move to: ${allowed}.`,
          { extra: { currentStatus: from, allowedStatuses: transition.allowed } },
        );
      }
    }
    const data = changedFields(body, ['id', 'version', 'status', 'callbackUrl']);
    if (Object.keys(data).length > 0 && from >= DATA_FROZEN_FROM) {
      throw new ProblemError(
        'data-frozen',
        `The contract is at status ${from}; its data can be changed only below ${DATA_FROZEN_FROM}. Changed: ${Object.keys(data).join(', ')}.`,
      );
    }
    await checkReferences(tx, consumerId, 'contract', data);
    // Only its requiredFields matter here: a product withdrawn since does not block the contract.
    const product = await tx.getRecord('product', String(current.data.productId));
    const fields = { ...fieldsOf(current), ...data };
    const changes: Record<string, unknown> = { ...data };
    if (requested !== undefined && (requested !== from || requested === PROPOSAL_REQUESTED)) {
      const outcome =
        requested === PROPOSAL_REQUESTED ? proposalOutcome(product, fields) : { status: requested, statusNote: null };
      changes.status = outcome.status;
      if (outcome.status !== from) {
        changes.statusChangedAt = iso(tx.nowMs);
        changes.statusNote = outcome.statusNote;
      } else if (outcome.statusNote !== null) {
        changes.statusNote = outcome.statusNote;
      }
    }
    const updated = applyChanges(current, changes, tx.nowMs);
    if (updated !== current) await tx.putRecord(updated);
    if (updated.data.status !== from) await effects.statusChanged(tx, updated, from, 'consumer');
    // Given with this write: waits for the *next* status change.
    if (callbackUrl !== undefined) await tx.setPendingCallback(current.id, consumerId, callbackUrl);
    await beforeCommit?.(tx, updated);
    return updated;
  });
}

export interface ProviderStatusChange {
  status: number;
  statusNote?: string | null;
  contractNumber?: string | null;
  endReason?: string | null;
  endDate?: string | null;
  startDate?: string | null;
  proposalFileId?: string | null;
}

/** The provider sets a contract's status (any status of the table) with its note and data. */
export async function changeStatusInTx(
  tx: StoreTx,
  effects: WriteEffects,
  contract: StoredRecord,
  change: ProviderStatusChange,
): Promise<StoredRecord> {
  if (!isContractStatus(change.status)) {
    throw invalidBody([{ field: 'status', message: `${change.status} is not a status of the lifecycle table` }]);
  }
  const from = contract.data.status as number;
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(change)) if (value !== undefined) changes[key] = value;
  if (change.status !== from) {
    changes.statusChangedAt = iso(tx.nowMs);
    if (change.statusNote === undefined) changes.statusNote = null;
  }
  const updated = applyChanges(contract, changes, tx.nowMs);
  if (updated !== contract) await tx.putRecord(updated);
  if (change.status !== from) await effects.statusChanged(tx, updated, from, 'provider');
  return updated;
}

/** Back office: set a contract's status (CLI `contract status`, `POST /admin/api/contracts/{id}/status`). */
export function setContractStatus(ctx: CoreContext, contractId: string, change: ProviderStatusChange, by: Actor) {
  return commitWrite(ctx, async (tx, effects) => {
    const contract = await tx.getRecord('contract', contractId);
    if (!contract) throw new ProblemError('not-found', `No contract with id ${contractId}.`);
    if (contract.deleted) throw new ProblemError('conflict', `The contract ${contractId} was deleted.`);
    const updated = await changeStatusInTx(tx, effects, contract, change);
    await auditStatusSet(tx, by, contract, updated);
    return updated;
  });
}

/** The audit entry of a status the provider set (also with nothing changed: it was asked for). */
export function auditStatusSet(tx: AuditTx, by: Actor, before: StoredRecord, after: StoredRecord) {
  return audit(tx, by, {
    action: 'contract.status-set',
    targetType: 'contract',
    targetId: after.id,
    detail: {
      consumerId: after.ownerId,
      from: before.data.status,
      to: after.data.status,
      statusNote: after.data.statusNote ?? null,
      version: after.version,
    },
  });
}
