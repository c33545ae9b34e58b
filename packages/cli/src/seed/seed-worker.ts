import { parentPort, workerData } from 'node:worker_threads';
import { openStore, type RecordRow, type StoreConfig } from '@finum-sync/server/operations';
import { partRows, type SeedPlan, seedParts } from './synthetic-data.js';

/** What {@link seedDatabase} hands each worker thread. */
export interface SeedWorkerData {
  plan: SeedPlan;
  store: StoreConfig;
  /**
   * Shared by the workers, as an Int32Array: [0] the index of the next part to generate;
   * [1] a lock held while writing, when the database takes one writer at a time (SQLite).
   */
  shared: SharedArrayBuffer;
  /** Take turns writing: SQLite would otherwise make the waiting writer sleep and poll. */
  serializeWrites: boolean;
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
async function run({ plan, store: storeConfig, shared, serializeWrites, transactionRecords }: SeedWorkerData) {
  const store = await openStore(storeConfig);
  try {
    const parts = seedParts(plan);
    const state = new Int32Array(shared);
    const lock = () => {
      while (serializeWrites && Atomics.compareExchange(state, 1, 0, 1) !== 0) Atomics.wait(state, 1, 1);
    };
    const unlock = () => {
      if (!serializeWrites) return;
      Atomics.store(state, 1, 0);
      Atomics.notify(state, 1, 1);
    };
    let pending: RecordRow[] = [];
    const flush = async () => {
      const records = pending;
      pending = [];
      lock();
      try {
        await store.transaction((tx) => tx.putRecordRows(records));
      } finally {
        unlock();
      }
      parentPort!.postMessage({ written: records.length } satisfies SeedWorkerProgress);
    };
    for (let i = Atomics.add(state, 0, 1); i < parts.length; i = Atomics.add(state, 0, 1)) {
      const { consumer, block } = parts[i]!;
      for (const row of partRows(plan, consumer, block)) pending.push(row);
      if (pending.length >= transactionRecords) await flush();
    }
    if (pending.length > 0) await flush();
  } finally {
    await store.close();
  }
}

await run(workerData as SeedWorkerData);
