import { KyselyStore } from './kysely-store.js';
import type { Store } from './port.js';
import { type PostgresOptions, postgresAdapter } from './postgres.js';
import { sqliteAdapter } from './sqlite.js';

export interface StoreConfig {
  /** `postgres://…` selects PostgreSQL; otherwise SQLite under `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  postgres?: PostgresOptions;
}

export const isPostgresUrl = (url: string | undefined): url is string =>
  url !== undefined && /^postgres(ql)?:\/\//.test(url);

/** Opens the configured database and migrates it to the latest schema. */
export function openStore(config: StoreConfig): Promise<Store> {
  const adapter = isPostgresUrl(config.databaseUrl)
    ? postgresAdapter(config.databaseUrl, config.postgres)
    : sqliteAdapter(config.dataDir);
  return KyselyStore.open(adapter);
}
