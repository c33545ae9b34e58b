import type { DeliveryKind, DeliveryState } from '@finum-sync/spec/admin';
import type { PUBLIC_OWNER } from './records.js';

/** The store port's slice for the outbox and provider endpoints: its rows, its part of a transaction, its reads (all slices: ../port.ts). */

export type { DeliveryKind, DeliveryState };

/** A callback (or provider event) to deliver, written to the outbox in the transaction of the change. */
export interface NewDelivery {
  /** The `webhook-id`, the same for every attempt. */
  readonly id: string;
  /** The consumer called; {@link PUBLIC_OWNER} for a provider event. */
  readonly consumerId: string;
  /** The contract concerned; `''` when none is (some provider events). */
  readonly contractId: string;
  readonly url: string;
  readonly kind: DeliveryKind;
  /** The JSON body, fixed at enqueue time. */
  readonly payload: string;
}

export interface Delivery extends NewDelivery {
  readonly state: DeliveryState;
  /** Attempts started so far (including the one just claimed). */
  readonly attempts: number;
  readonly createdMs: number;
  readonly nextAttemptMs: number;
  readonly finishedMs: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
}

export interface DeliveryAttempt {
  readonly deliveryId: string;
  readonly attempt: number;
  readonly startedMs: number;
  readonly durationMs: number;
  /** HTTP status of the answer; `null` when there was none (timeout, refused). */
  readonly status: number | null;
  readonly error: string | null;
}

export interface DeliveryOutcome {
  readonly state: DeliveryState;
  /** When to try again (pending) or `finishedMs` otherwise. */
  readonly nextAttemptMs: number;
}

export interface DeliveryFilter {
  /** One delivery, by its `webhook-id`. */
  webhookId?: string;
  consumerId?: string;
  contractId?: string;
  state?: DeliveryState;
  kind?: DeliveryKind;
  limit?: number;
}

/** A provider event endpoint added in the back office (SPEC §10, besides `PROVIDER_WEBHOOK_URL`). */
export interface ProviderEndpointRow {
  readonly id: string;
  readonly url: string;
  /** Its Standard Webhooks secret (`whsec_…`). */
  readonly secret: string;
  readonly description: string | null;
  readonly createdMs: number;
}

/** The outbox inside a write transaction: callbacks due with the change, provider endpoints. */
export interface OutboxTx {
  /** The one-shot callback URL waiting for the contract's next status change. */
  pendingCallback(contractId: string): Promise<string | undefined>;
  setPendingCallback(contractId: string, consumerId: string, url: string | null): Promise<void>;
  enqueueDelivery(delivery: NewDelivery): Promise<void>;
  /**
   * Puts a finished delivery (`failed` or `gone`) back in the queue, due at the transaction's
   * time; its state before (nothing changed unless it was `failed` or `gone`), or undefined when
   * there is no such delivery.
   */
  requeueDelivery(webhookId: string): Promise<DeliveryState | undefined>;
  /** The provider event endpoints added in the back office. */
  providerEndpoints(): Promise<ProviderEndpointRow[]>;
  /** Adds an endpoint; false (nothing stored) when one has that URL already. */
  insertProviderEndpoint(row: ProviderEndpointRow): Promise<boolean>;
  getProviderEndpoint(id: string): Promise<ProviderEndpointRow | undefined>;
  setProviderEndpointSecret(id: string, secret: string): Promise<void>;
  /** Removes an endpoint and stops its pending deliveries. */
  deleteProviderEndpoint(id: string, url: string): Promise<void>;
}

/** The outbox as the delivery worker, the back office and the metrics see it. */
export interface OutboxStore {
  /**
   * Claims up to `limit` due deliveries for an attempt: their `next_attempt_ms` moves to
   * the end of a lease, so that no other process takes them while the attempt runs, and a
   * crashed attempt is taken up again when the lease is over.
   */
  claimDueDeliveries(nowMs: number, limit: number, leaseMs: number): Promise<Delivery[]>;
  /** Records an attempt and the delivery's outcome, in one transaction. */
  finishDeliveryAttempt(attempt: DeliveryAttempt, outcome: DeliveryOutcome): Promise<void>;
  /** `410 Gone`: stops the pending deliveries of a consumer to that URL. */
  stopDeliveriesTo(consumerId: string, url: string, nowMs: number): Promise<number>;
  listDeliveries(filter: DeliveryFilter): Promise<Array<Delivery & { attemptList: DeliveryAttempt[] }>>;
  /** Deletes finished deliveries (delivered, gone, failed) and their attempts created before a time. */
  deleteFinishedDeliveriesBefore(createdBeforeMs: number): Promise<number>;
  /** Pending deliveries now, and when the next one is due. */
  deliveryQueue(): Promise<{ pending: number; failed: number; nextDueMs: number | null }>;
  /** The provider event endpoints added in the back office, oldest first. */
  listProviderEndpoints(): Promise<ProviderEndpointRow[]>;
}
