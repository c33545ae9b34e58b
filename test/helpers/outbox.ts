import { openStore, type Store } from '@finum-sync/server';
import type { FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
// Internals of the server package (not exported): the delivery worker and its event bus.
import { DeliveryWorker, type DeliveryWorkerOptions } from '../../packages/server/dist/callbacks/delivery-worker.js';
import { CoreEvents } from '../../packages/server/dist/core/events.js';
import { CallbackReceiver } from './callback-receiver.js';
import {
  createTestConsumer,
  createTestDatabase,
  type DialectName,
  TEST_AUDIENCE,
  type TestConsumer,
  type TestDatabase,
} from './server.js';
import { waitFor } from './wait-for.js';

export const silentLog = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
  child: () => silentLog,
} as unknown as FastifyBaseLogger;

/** An outbox row as a status change writes it (contract `c-1`, 120 → 130); returns its webhook-id. */
export async function enqueueDelivery(store: Store, consumerId: string, url: string): Promise<string> {
  const id = `msg_${Math.random().toString(36).slice(2)}`;
  const payload = JSON.stringify({
    type: 'contract.status-changed',
    contractId: 'c-1',
    status: 130,
    previousStatus: 120,
    changedBy: 'provider',
    occurredAt: '2026-11-23T10:00:00.000Z',
  });
  await store.transaction((tx) =>
    tx.enqueueDelivery({ id, consumerId, contractId: 'c-1', url, kind: 'one-shot', payload }),
  );
  return id;
}

/** The delivery with that webhook-id, with its attempts. */
export async function storedDelivery(store: Store, id: string) {
  const delivery = (await store.listDeliveries({ limit: 1000 })).find((d) => d.id === id);
  if (!delivery) throw new Error(`no delivery ${id}`);
  return delivery;
}

/** Runs a delivery worker over `store` until `until()` holds, then stops it. */
export async function runWorkerUntil(
  options: Omit<DeliveryWorkerOptions, 'events' | 'log'> & Partial<Pick<DeliveryWorkerOptions, 'log'>>,
  until: () => Promise<boolean>,
  what: string,
): Promise<void> {
  const worker = new DeliveryWorker({ events: new CoreEvents(), log: silentLog, retryBaseMs: 10, ...options });
  worker.start();
  try {
    await waitFor(async () => (await until()) || undefined, what);
  } finally {
    await worker.stop();
  }
}

/** A database of its own with a store open on it (no server), one consumer and a callback receiver. */
export interface OutboxFixture {
  db: TestDatabase;
  store: Store;
  consumer: TestConsumer;
  receiver: CallbackReceiver;
  close(): Promise<void>;
}

export async function openOutboxFixture(dialect: DialectName, consumerId = 'acme'): Promise<OutboxFixture> {
  const db = await createTestDatabase(dialect);
  const store = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
  const consumer = await createTestConsumer(store, TEST_AUDIENCE, consumerId);
  const receiver = await new CallbackReceiver().start();
  return {
    db,
    store,
    consumer,
    receiver,
    async close() {
      await receiver.stop();
      await store.close();
      await db.drop();
    },
  };
}

/** An {@link OutboxFixture} for the enclosing `describe`: opened before its tests, closed after. */
export function useOutboxFixture(dialect: DialectName): () => OutboxFixture {
  let fixture: OutboxFixture | undefined;
  beforeAll(async () => {
    fixture = await openOutboxFixture(dialect);
  });
  afterAll(async () => {
    await fixture?.close();
  });
  return () => {
    if (!fixture) throw new Error('the outbox fixture is not open (use it inside tests)');
    return fixture;
  };
}
