import type { RecordType } from '@finum-sync/spec';
import { openKyselyStore } from './kysely/store.js';
import type { Store } from './port.js';
import { POSTGRES_IDS_JSON, type PostgresOptions, postgresAdapter, postgresRecordsByIdsQuery } from './postgres.js';
import { RECORD_TABLES } from './schema.js';
import { SQLITE_IDS_JSON, sqliteAdapter, sqliteRecordsByIdsQuery } from './sqlite.js';

export interface StoreConfig {
  /** `postgres://…` selects PostgreSQL; otherwise SQLite under `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  postgres?: PostgresOptions;
  /**
   * Tunes the connections for loading many rows (the seed): SQLite checkpoints its WAL
   * every 256 MiB instead of 4 MiB and maps the file into memory; PostgreSQL commits without waiting for the disk and
   * without a statement timeout (index builds); and it leaves the indexes a bulk load
   * suspended as they are (see Store.suspendRecordIndexes). Not for a serving process.
   */
  bulkLoad?: boolean;
}

export const isPostgresUrl = (url: string | undefined): url is string =>
  url !== undefined && /^postgres(ql)?:\/\//.test(url);

/** Opens the configured database and migrates it to the latest schema. */
export function openStore(config: StoreConfig): Promise<Store> {
  const adapter = isPostgresUrl(config.databaseUrl)
    ? postgresAdapter(
        config.databaseUrl,
        config.bulkLoad ? { ...config.postgres, statementTimeoutMs: 0, synchronousCommit: false } : config.postgres,
      )
    : sqliteAdapter(config.dataDir, { bulkLoad: config.bulkLoad === true });
  return openKyselyStore(adapter, { restoreIndexes: !config.bulkLoad });
}

const RECORDS_BY_IDS_QUERIES = { sqlite: sqliteRecordsByIdsQuery, postgres: postgresRecordsByIdsQuery } as const;

/** The statement of `T-list?id-list=…` in a dialect (the timing test checks its plan). */
export function recordsByIdsQuery(
  dialect: 'sqlite' | 'postgres',
  type: RecordType,
  owners: readonly string[],
  ids: readonly string[],
): { sql: string; parameters: unknown[] } {
  return RECORDS_BY_IDS_QUERIES[dialect](RECORD_TABLES[type], owners, ids);
}

const IDS_JSON = { sqlite: SQLITE_IDS_JSON, postgres: POSTGRES_IDS_JSON } as const;

/** The aggregate that writes the ids of `T-id-list-updated` as a JSON array, in a dialect (the bench runs it). */
export function idsJsonAggregate(dialect: 'sqlite' | 'postgres'): string {
  return IDS_JSON[dialect];
}
