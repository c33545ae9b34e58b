import type { Delivery } from '@finum-sync/spec/admin';
import { Webhook } from 'standardwebhooks';
import { expect } from 'vitest';
import type { ApiCaller } from './api.js';
import type { ReceivedCallback } from './callback-receiver.js';
import { waitFor } from './wait-for.js';

/** A delivery as `GET /admin/api/deliveries` shows it. */
export type DeliveryView = Delivery;

/** Verifies a callback's Standard Webhooks signature with the consumer's secret; returns the payload. */
export function verifiedPayload(callback: ReceivedCallback, secret: string): Record<string, unknown> {
  const payload = new Webhook(secret).verify(callback.body, callback.headers as Record<string, string>);
  expect(callback.headers['webhook-signature']).toMatch(/^v1,/);
  return payload as Record<string, unknown>;
}

/** The back office's deliveries of a contract (`GET /admin/api/deliveries?contract-id=`). */
export async function deliveriesOf(admin: ApiCaller, contractId: string): Promise<DeliveryView[]> {
  const response = await admin.get(`/admin/api/deliveries?contract-id=${contractId}`);
  if (response.status !== 200) throw new Error(`deliveries: ${response.status} ${response.text}`);
  return response.body;
}

/** Waits until the contract's only delivery satisfies `done` (an attempt recorded, a final state). */
export function waitForDelivery(
  admin: ApiCaller,
  contractId: string,
  done: (d: DeliveryView) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<DeliveryView> {
  return waitFor(
    async () => {
      const [delivery, ...more] = await deliveriesOf(admin, contractId);
      if (more.length > 0) throw new Error(`contract ${contractId} has ${more.length + 1} deliveries`);
      return delivery && done(delivery) ? delivery : undefined;
    },
    what,
    { timeoutMs },
  );
}
