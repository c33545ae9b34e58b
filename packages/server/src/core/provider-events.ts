import type { ProviderEvent } from '@finum-sync/spec/admin';
import { type OutboxTx, PUBLIC_OWNER } from '../store/port.js';
import { newDeliveryId } from './ids.js';

/**
 * Provider events (SPEC §10) share the consumers' outbox: a delivery of kind `provider` to
 * each `PROVIDER_WEBHOOK_URL`, with no consumer (the store's owner id of what is the
 * provider's own) and the event's contract, if any. Written in the transaction of the change,
 * so an event is sent exactly when its change committed. Returns how many were enqueued.
 * @example
 * await enqueueProviderEvent(tx, ['https://core.example/events'], { type: 'client.created', occurredAt, consumerId, recordId });
 */
export async function enqueueProviderEvent(
  tx: OutboxTx,
  urls: readonly string[],
  event: ProviderEvent,
): Promise<number> {
  if (urls.length === 0) return 0;
  const payload = JSON.stringify(event);
  for (const url of urls) {
    await tx.enqueueDelivery({
      id: newDeliveryId(),
      consumerId: PUBLIC_OWNER,
      contractId: event.contractId ?? '',
      url,
      kind: 'provider',
      payload,
    });
  }
  return urls.length;
}
