import { formatTimestamp, ProblemError } from '@finum-sync/spec';
import { type Actor, type Delivery, type DeliveryAttempt, PUBLIC_OWNER } from '../store/port.js';
import { audit } from './audit.js';
import type { CoreContext } from './context.js';

/**
 * Delivers a finished callback (`failed`, or `gone` after a 410) again: back in the queue with
 * the same `webhook-id` and body, due at once; audited. The delivery worker makes the attempt.
 */
export async function redeliver(ctx: CoreContext, webhookId: string, by: Actor): Promise<void> {
  await ctx.store.transaction(async (tx) => {
    const before = await tx.requeueDelivery(webhookId);
    if (before === undefined) throw new ProblemError('not-found', `No callback delivery '${webhookId}'.`);
    if (before !== 'failed' && before !== 'gone') {
      throw new ProblemError(
        'conflict',
        `The delivery ${webhookId} is ${before}: only a failed or gone delivery is delivered again.`,
      );
    }
    await audit(tx, by, {
      action: 'delivery.redelivered',
      targetType: 'delivery',
      targetId: webhookId,
      detail: { stateBefore: before },
    });
  });
  ctx.events.deliveriesEnqueued();
}

/** A delivery as the back office shows it. */
export function deliveryView(d: Delivery & { attemptList: DeliveryAttempt[] }) {
  return {
    webhookId: d.id,
    consumerId: d.consumerId === PUBLIC_OWNER ? null : d.consumerId,
    contractId: d.contractId === '' ? null : d.contractId,
    url: d.url,
    kind: d.kind,
    state: d.state,
    payload: JSON.parse(d.payload) as unknown,
    createdAt: formatTimestamp(d.createdMs),
    nextAttemptAt: d.state === 'pending' ? formatTimestamp(d.nextAttemptMs) : null,
    attempts: d.attemptList.map((a) => ({
      attempt: a.attempt,
      startedAt: formatTimestamp(a.startedMs),
      durationMs: a.durationMs,
      status: a.status,
      error: a.error,
    })),
  };
}
