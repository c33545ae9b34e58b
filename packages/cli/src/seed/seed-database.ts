import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { generateKeyPair, type SigningAlgorithm } from '@finum-sync/client/node';
import {
  addConsumer,
  ConsumerError,
  type ConsumerStore,
  isPostgresUrl,
  openStore,
  type StoreConfig,
  systemActor,
  type Transactional,
} from '@finum-sync/server/operations';
import type { RecordType } from '@finum-sync/spec';
import type { SeedWorkerData, SeedWorkerProgress } from './seed-worker.js';
import { type SeedPlan, seedConsumerIds, seedCounts, seedParts, syntheticProducts } from './synthetic-data.js';

/** Records a worker writes in one transaction. */
const TRANSACTION_RECORDS = 10_000;
/** A young generation that holds a few transactions' worth of records: they die young instead of being promoted. */
const YOUNG_GENERATION_MB = 192;

export interface SeedOptions extends SeedPlan {
  /** The JWT audience of the seeded consumers' payloads. */
  audience: string;
  /** Where the seeded consumers' private keys go: `<dir>/<consumer id>.private.pem`. */
  keysDir: string;
  alg?: SigningAlgorithm;
  /** Worker threads generating and writing (default: one per CPU core). */
  workers?: number;
  /** Called after every transaction with the records written so far. */
  onProgress?: (written: number, total: number) => void;
  /** Called when the rows are written and the indexes are being built. */
  onIndexing?: () => void;
}

export interface SeededConsumer {
  consumerId: string;
  payload: { sub: string; aud: string };
  kid: string;
  alg: string;
  privateKeyFile: string;
}

export interface SeedResult {
  consumers: SeededConsumer[];
  counts: Record<RecordType, number>;
  records: number;
  workers: number;
  /** Generating and writing the records (not the key pairs). */
  elapsedMs: number;
  recordsPerSecond: number;
}

/** Registers the seeded consumers with generated key pairs; refuses when one exists. */
async function registerConsumers(
  store: ConsumerStore & Transactional,
  options: SeedOptions,
): Promise<SeededConsumer[]> {
  const ids = seedConsumerIds(options.consumers);
  const existing = new Set((await store.listConsumers()).map((c) => c.id));
  const taken = ids.filter((id) => existing.has(id));
  if (taken.length > 0) {
    const shown = `${taken.slice(0, 3).join(', ')}${taken.length > 3 ? ', …' : ''}`;
    throw new ConsumerError(`the database holds seeded consumers already (${shown}); seed an empty database`);
  }
  mkdirSync(options.keysDir, { recursive: true, mode: 0o700 });
  const consumers: SeededConsumer[] = [];
  for (const id of ids) {
    const pair = generateKeyPair(options.alg ?? 'ES256');
    const privateKeyFile = join(options.keysDir, `${id}.private.pem`);
    writeFileSync(privateKeyFile, pair.privateKey, { flag: 'wx', mode: 0o600 });
    const { consumerId, payload, kid, alg } = await addConsumer(store, options.audience, {
      id,
      name: `Bench consumer ${id.slice('bench-'.length)}`,
      publicKeyPem: pair.publicKey,
      alg: pair.alg,
      by: systemActor('seed'),
    });
    consumers.push({ consumerId, payload, kid, alg, privateKeyFile });
  }
  return consumers;
}

/** Runs the workers; resolves when all are done, rejects at the first failure. */
function runWorkers(storeConfig: StoreConfig, options: SeedOptions, workers: number, onWritten: (n: number) => void) {
  const data: SeedWorkerData = {
    plan: {
      consumers: options.consumers,
      contracts: options.contracts,
      seed: options.seed,
      days: options.days,
      nowMs: options.nowMs,
    },
    store: storeConfig,
    shared: new SharedArrayBuffer(8),
    serializeWrites: !isPostgresUrl(storeConfig.databaseUrl),
    transactionRecords: TRANSACTION_RECORDS,
  };
  const threads = Array.from(
    { length: workers },
    () =>
      new Worker(new URL('./seed-worker.js', import.meta.url), {
        workerData: data,
        resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      }),
  );
  return Promise.all(
    threads.map(
      (thread) =>
        new Promise<void>((resolve, reject) => {
          thread.on('message', (message: SeedWorkerProgress) => onWritten(message.written));
          thread.on('error', (error) => {
            for (const other of threads) void other.terminate();
            reject(error);
          });
          thread.on('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`a seed worker stopped (exit code ${code})`)),
          );
        }),
    ),
  );
}

/**
 * Registers the consumers `bench-01` … with generated key pairs (private keys written to
 * `keysDir`), then writes the synthetic data set with several worker threads, each on
 * its own database connection. Refuses a database that holds any of those consumers.
 * A bulk load: the record tables' secondary indexes are dropped while it runs and built
 * afterwards, so servers on the same database answer slowly meanwhile.
 */
export async function seedDatabase(storeConfig: StoreConfig, options: SeedOptions): Promise<SeedResult> {
  storeConfig = { ...storeConfig, bulkLoad: true };
  const store = await openStore(storeConfig);
  try {
    const consumers = await registerConsumers(store, options);
    const counts = seedCounts(options);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), seedParts(options).length));
    const started = performance.now();
    const products = syntheticProducts(options);
    await store.transaction((tx) => tx.putRecords(products));
    let written = products.length;
    // A bulk load: the indexes are built once, after the rows.
    const restoreIndexes = await store.suspendRecordIndexes();
    try {
      await runWorkers(storeConfig, options, workers, (n) => {
        written += n;
        options.onProgress?.(written, total);
      });
    } finally {
      options.onIndexing?.();
      await restoreIndexes();
    }
    const elapsedMs = performance.now() - started;
    return { consumers, counts, records: written, workers, elapsedMs, recordsPerSecond: written / (elapsedMs / 1000) };
  } finally {
    await store.close();
  }
}
