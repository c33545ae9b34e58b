import { join, resolve } from 'node:path';
import { defineCommand, intOption, JSON_OPTION, UsageError } from '../command.js';
import { storeConfigOf } from '../store.js';

const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

export const seed = defineCommand({
  path: ['seed'],
  summary: 'Fill the database with a large synthetic data set (load tests, benchmarks).',
  details: [
    'Registers the consumers bench-01 … bench-K, each with a generated ES256 key pair whose private key is',
    'written to <keys-dir>/<consumer id>.private.pem, and writes for them N contracts in all (spread evenly),',
    'about N/2 clients, N/2 files (metadata only), 10 users each and 12 public products. Statuses cover the',
    'whole lifecycle; createdAt/updatedAt spread over the last --days days, so that since = now − 7 days',
    'selects a few percent. The same --seed (and --now) gives the same records. The database must not hold',
    'the bench consumers yet. Uses DATABASE_URL or DATA_DIR; the tokens’ audience is PUBLIC_URL.',
    'A bulk load: the record tables’ secondary indexes are dropped while it writes and built at the end',
    '(on PostgreSQL the tables are then vacuumed and analyzed), so a server on the same database answers',
    'slowly meanwhile (a killed seed’s indexes are built at the next start).',
  ].join('\n'),
  options: {
    consumers: { type: 'string', value: '<K>', required: true, description: 'Number of consumers.' },
    contracts: { type: 'string', value: '<N>', required: true, description: 'Number of contracts in all.' },
    seed: { type: 'string', value: '<int>', default: '1', description: 'Seed of the random generator.' },
    days: { type: 'string', value: '<days>', default: '365', description: 'How far back the times reach.' },
    now: { type: 'string', value: '<timestamp>', description: 'End of the time spread (default: now).' },
    'keys-dir': {
      type: 'string',
      value: '<dir>',
      description: 'Where the private keys go (default: $DATA_DIR/seed-keys).',
    },
    workers: { type: 'string', value: '<n>', description: 'Worker threads (default: one per CPU core).' },
    json: { ...JSON_OPTION, description: 'Print the result as JSON (counts, rate, consumers and key files).' },
  },
  examples: ['DATA_DIR=./bench-data finum-sync seed --consumers 20 --contracts 1000000 --seed 1'],
  async run(values, { env, out, err }) {
    const consumers = intOption(values.consumers, 'consumers', 1, 9999);
    const contracts = intOption(values.contracts, 'contracts', 0, 100_000_000);
    const seedValue = intOption(values.seed, 'seed', 0, 2 ** 32 - 1);
    const days = intOption(values.days, 'days', 1, 36_500);
    const { parseTimestamp } = await import('@finum-sync/spec');
    const nowMs = values.now === undefined ? Date.now() : parseTimestamp(values.now);
    if (nowMs === undefined) throw new UsageError(`--now must be an RFC 3339 timestamp (got '${values.now}')`);

    const workers = values.workers === undefined ? undefined : intOption(values.workers, 'workers', 1, 64);
    const { isPostgresUrl, loadConfig } = await import('@finum-sync/server/operations');
    const { seedDatabase } = await import('../seed/seed-database.js');
    const config = loadConfig(env);
    const keysDir = resolve(values['keys-dir'] ?? join(config.dataDir, 'seed-keys'));
    let reported = 0;
    const seeded = await seedDatabase(storeConfigOf(config), {
      consumers,
      contracts,
      seed: seedValue,
      days,
      nowMs,
      audience: config.publicUrl,
      keysDir,
      ...(workers ? { workers } : {}),
      onProgress: (written, total) => {
        if (values.json || (written < total && written - reported < total / 10)) return;
        reported = written;
        err(`  ${thousands(written)} / ${thousands(total)} records`);
      },
      onIndexing: () => {
        if (!values.json) err('  building the indexes (PostgreSQL: then vacuum and analyze)');
      },
    });
    const result = { ...seeded, keysDir, dialect: isPostgresUrl(config.databaseUrl) ? 'postgres' : 'sqlite' };

    if (values.json) {
      out(JSON.stringify(result, null, 2));
      return 0;
    }
    const { counts } = result;
    out(
      [
        `Seeded ${result.dialect}: ${thousands(result.records)} records (${thousands(counts.contract)} contracts, ` +
          `${thousands(counts.client)} clients, ${thousands(counts.file)} files, ${thousands(counts.user)} users, ` +
          `${thousands(counts.product)} products) for ${consumers} consumers.`,
        `Rate: ${thousands(result.recordsPerSecond)} records/s (${(result.elapsedMs / 1000).toFixed(1)} s, ${result.workers} workers).`,
        `Private keys of ${result.consumers[0]?.consumerId ?? '-'} … in ${result.keysDir}; sign with`,
        `  finum-sync token --payload '${JSON.stringify(result.consumers[0]?.payload ?? {})}' --key ${result.consumers[0]?.privateKeyFile ?? '…'}`,
      ].join('\n'),
    );
    return 0;
  },
});
