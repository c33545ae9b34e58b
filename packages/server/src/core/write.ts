import { type ContractStatus, ProblemError, type RecordType, type StatusChanger } from '@finum-sync/spec';
import { CONTRACT_STATUS_EVENTS, type ProviderEvent } from '@finum-sync/spec/admin';
import type { StoredRecord, StoreTx, Transactional } from '../store/port.js';
import type { CoreContext } from './context.js';
import type { StatusChanged } from './events.js';
import { enqueueProviderEvent } from './provider-events.js';
import { fieldsOf, nextVersion } from './records.js';
import { enqueueStatusCallbacks } from './status-callbacks.js';

/** What a write did besides changing records, announced once its transaction committed. */
export class WriteEffects {
  deliveries = 0;
  readonly statusChanges: StatusChanged[] = [];

  /** The URLs of this transaction's provider events: the environment's, then the back office's. */
  private urls: readonly string[] | undefined;

  /** @param providerWebhookUrls where provider events go besides the back office's endpoints. */
  constructor(private readonly providerWebhookUrls: readonly string[] = []) {}

  /** A provider event (SPEC §10), written to the outbox in this transaction. */
  async providerEvent(tx: StoreTx, event: ProviderEvent): Promise<void> {
    this.urls ??= [...this.providerWebhookUrls, ...(await tx.providerEndpoints()).map((e) => e.url)];
    this.deliveries += await enqueueProviderEvent(tx, this.urls, event);
  }

  /**
   * A consumer created a contract: tell the provider (`contract.created`, and
   * `contract.proposal-requested` when it asks for a proposal with its data complete).
   */
  async contractCreated(tx: StoreTx, contract: StoredRecord): Promise<void> {
    this.statusSet(contract);
    const event = contractEvent(contract, null);
    await this.providerEvent(tx, { ...event, type: 'contract.created' });
    const step = CONTRACT_STATUS_EVENTS[event.status!];
    if (step) await this.providerEvent(tx, { ...event, type: step });
  }

  /** A contract was created with a status: no callback (nothing changed), but announce it. */
  statusSet(contract: StoredRecord): void {
    this.statusChanges.push({
      contractId: contract.id,
      ownerId: contract.ownerId,
      status: contract.data.status as number,
      previousStatus: null,
    });
  }

  /**
   * A contract's status changed, by the provider or by the consumer's own write: enqueue its
   * callbacks now, announce the change after commit.
   */
  async statusChanged(
    tx: StoreTx,
    contract: StoredRecord,
    previousStatus: number,
    changedBy: StatusChanger,
  ): Promise<void> {
    this.deliveries += await enqueueStatusCallbacks(tx, contract, previousStatus, changedBy);
    // The provider's own changes are not echoed back to it; a consumer's step may ask it to act.
    const step = changedBy === 'consumer' ? CONTRACT_STATUS_EVENTS[contract.data.status as number] : undefined;
    if (step) await this.providerEvent(tx, { ...contractEvent(contract, previousStatus), type: step });
    this.statusChanges.push({
      contractId: contract.id,
      ownerId: contract.ownerId,
      status: contract.data.status as number,
      previousStatus,
    });
  }
}

/** The provider event of a contract's status, without its type. */
function contractEvent(contract: StoredRecord, previousStatus: number | null) {
  return {
    occurredAt: String(contract.data.statusChangedAt),
    consumerId: contract.ownerId,
    contractId: contract.id,
    recordId: contract.id,
    status: contract.data.status as ContractStatus,
    previousStatus: previousStatus as ContractStatus | null,
  } as const;
}

/** Runs a write in one transaction, then tells this process what happened. */
export async function commitWrite<T>(
  ctx: Pick<CoreContext, 'events' | 'providerWebhookUrls'> & { readonly store: Transactional },
  work: (tx: StoreTx, effects: WriteEffects) => Promise<T>,
): Promise<T> {
  const effects = new WriteEffects(ctx.providerWebhookUrls);
  const result = await ctx.store.transaction((tx) => work(tx, effects));
  if (effects.deliveries > 0) ctx.events.deliveriesEnqueued();
  for (const change of effects.statusChanges) ctx.events.statusChanged(change);
  return result;
}

/**
 * The consumer's own, live record of a type, for a single-record operation (SPEC §4: an
 * invisible id is exactly like one that does not exist: 404).
 */
export async function ownRecord(
  tx: Pick<StoreTx, 'getRecord'>,
  type: RecordType,
  consumerId: string,
  id: string,
): Promise<StoredRecord> {
  const record = await tx.getRecord(type, id);
  if (!record || record.ownerId !== consumerId) throw new ProblemError('not-found', `No ${type} with id ${id}.`);
  if (record.deleted) throw new ProblemError('conflict', `The ${type} ${id} was deleted; it can no longer be changed.`);
  return record;
}

/** Optimistic concurrency (SPEC §7): a PATCH based on an older version is a 409. */
export function checkVersion(record: StoredRecord, version: unknown): void {
  if (version !== undefined && version !== record.version) {
    throw new ProblemError(
      'version-conflict',
      `The ${record.type} ${record.id} is at version ${record.version}; the change was based on version ${String(version)}.`,
      { extra: { currentVersion: record.version } },
    );
  }
}

/** The body's fields minus the request's control fields (`id`, `version`, write-only ones). */
export function changedFields(body: Record<string, unknown>, exclude: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!exclude.includes(key)) out[key] = value;
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The record with `changes` applied (`null` clears), as a new version — or the record
 * itself when nothing changed, so that repeating a PATCH changes nothing.
 */
export function applyChanges(record: StoredRecord, changes: Record<string, unknown>, nowMs: number): StoredRecord {
  const fields = fieldsOf(record);
  const next = { ...fields, ...changes };
  if (Object.keys(next).every((k) => same(next[k], fields[k]))) return record;
  return nextVersion(record, next, nowMs);
}
