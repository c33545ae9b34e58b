import { CALLBACK_EVENT_TYPE, type StatusChanger } from '@finum-sync/spec';
import type { ConsumerTx, OutboxTx, StoredRecord } from '../store/port.js';
import { newDeliveryId } from './ids.js';

/**
 * A contract's status changed (SPEC §8 as amended): in the same transaction, enqueue the
 * callbacks due — the one-shot `callbackUrl` given with an earlier write, only when the
 * provider made the change (then forgotten; a consumer's own change leaves it waiting), and
 * the consumer's standing callback URL, at every change. Returns how many deliveries were
 * enqueued.
 */
export async function enqueueStatusCallbacks(
  tx: OutboxTx & ConsumerTx,
  contract: StoredRecord,
  previousStatus: number,
  changedBy: StatusChanger,
): Promise<number> {
  const payload = JSON.stringify({
    type: CALLBACK_EVENT_TYPE,
    contractId: contract.id,
    status: contract.data.status,
    previousStatus,
    changedBy,
    occurredAt: contract.data.statusChangedAt,
  });
  const targets = new Map<string, 'one-shot' | 'standing'>();
  const oneShot = changedBy === 'provider' ? await tx.pendingCallback(contract.id) : undefined;
  if (oneShot) {
    targets.set(oneShot, 'one-shot');
    await tx.setPendingCallback(contract.id, contract.ownerId, null);
  }
  const consumer = await tx.getConsumer(contract.ownerId);
  if (consumer?.status !== 'active') return 0;
  if (consumer.callbackUrl && !targets.has(consumer.callbackUrl)) targets.set(consumer.callbackUrl, 'standing');
  for (const [url, kind] of targets) {
    await tx.enqueueDelivery({
      id: newDeliveryId(),
      consumerId: contract.ownerId,
      contractId: contract.id,
      url,
      kind,
      payload,
    });
  }
  return targets.size;
}
