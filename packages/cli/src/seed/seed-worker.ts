import { parentPort, workerData } from 'node:worker_threads';
import { openStore, type StoreConfig, type StoredRecord } from '@finum-sync/server';
import { partRecords, type SeedPlan, seedParts } from './synthetic-data.js';

/** What {@link seedDatabase} hands each worker thread. */
export interface SeedWorkerData {
  plan: SeedPlan;
  store: StoreConfig;
  /** Index of the next part to generate, shared by the workers (an Int32Array's buffer). */
  nextPart: SharedArrayBuffer;
  transactionRecords: number;
}

/** Posted after every transaction. */
export interface SeedWorkerProgress {
  written: number;
}

/**
 * A seeding worker: takes the next part of the data set until none is left, and writes
 * what it generated in transactions of its own connection. Several workers keep both
 * the generator and the database busy.
 */
async function run({ plan, store: storeConfig, nextPart, transactionRecords }: SeedWorkerData) {
  const store = await openStore(storeConfig);
  try {
    const parts = seedParts(plan);
    const next = new Int32Array(nextPart);
    let pending: StoredRecord[] = [];
    const flush = async () => {
      const records = pending;
      pending = [];
      await store.transaction((tx) => tx.putRecords(records));
      parentPort!.postMessage({ written: records.length } satisfies SeedWorkerProgress);
    };
    for (let i = Atomics.add(next, 0, 1); i < parts.length; i = Atomics.add(next, 0, 1)) {
      const { consumer, block } = parts[i]!;
      for (const record of partRecords(plan, consumer, block)) pending.push(record);
      if (pending.length >= transactionRecords) await flush();
    }
    if (pending.length > 0) await flush();
  } finally {
    await store.close();
  }
}

await run(workerData as SeedWorkerData);
