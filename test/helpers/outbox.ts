import { openStore, type Store, type StoredRecord } from '@finum-sync/server';
import type { FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
// Internals of the server package (not exported): the delivery worker and its event bus.
import { DeliveryWorker, type DeliveryWorkerOptions } from '../../packages/server/dist/callbacks/delivery-worker.js';
import { CoreEvents } from '../../packages/server/dist/core/events.js';
import { consumerApi, seedBasics } from './api.js';
import { CallbackReceiver } from './callback-receiver.js';
import { type ServerProcess, spawnServer } from './serve-process.js';
import {
  createTestConsumer,
  createTestDatabase,
  type DialectName,
  TEST_AUDIENCE,
  type TestConsumer,
  type TestDatabase,
  type TestResponse,
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

/**
 * The outbox across a crash: with the fixture's receiver down, a server process runs
 * `before` (given the process and a way to create a contract of the fixture's consumer), is killed
 * with SIGKILL once `before` resolved (everything it did was acknowledged), a new process
 * starts on the same database, the receiver comes back on its port, and `after` runs with
 * the new process and what `before` returned.
 */
export async function acrossSigkill<T>(
  fixture: OutboxFixture,
  env: Record<string, string>,
  before: (
    server: ServerProcess,
    createContract: (fields: Record<string, unknown>) => Promise<TestResponse>,
  ) => Promise<T>,
  after: (server: ServerProcess, done: T) => Promise<void>,
): Promise<void> {
  const { store, consumer, receiver } = fixture;
  let first: ServerProcess | undefined;
  let second: ServerProcess | undefined;
  try {
    await receiver.stop();
    first = await spawnServer({ ...fixture.db.env, ...env });
    const server = {
      url: first.url,
      putRecords: (records: StoredRecord[]) => store.transaction((tx) => tx.putRecords(records)),
    };
    const basics = await seedBasics(server, consumer);
    const api = consumerApi(first, consumer);
    const done = await before(first, async (fields) => {
      const created = await api.post('/v1/contract', {
        holderId: basics.clientId,
        productId: basics.productId,
        ...fields,
      });
      if (created.status !== 201) throw new Error(`POST /v1/contract: ${created.status} ${created.text}`);
      return created;
    });
    const killed = await first.kill('SIGKILL');
    if (killed.signal !== 'SIGKILL') throw new Error(`the server exited before the kill: ${JSON.stringify(killed)}`);
    second = await spawnServer({ ...fixture.db.env, ...env });
    await receiver.start();
    await after(second, done);
  } finally {
    await first?.kill('SIGKILL');
    await second?.kill('SIGTERM');
  }
}
