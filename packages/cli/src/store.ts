import type { Config, Store, StoreConfig } from '@finum-sync/server/operations';

/** The database the configuration names, for a short-lived tool (a small pool, no statement timeout). */
export const storeConfigOf = (config: Config): StoreConfig => ({
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir,
  postgres: { poolSize: 2, statementTimeoutMs: 0 },
});

/**
 * Runs `work` on the database the environment configures (`DATABASE_URL`, or SQLite
 * under `DATA_DIR`), and closes it afterwards.
 */
export async function withStore<T>(
  env: NodeJS.ProcessEnv,
  work: (store: Store, config: Config) => Promise<T>,
): Promise<T> {
  const { loadConfig, openStore } = await import('@finum-sync/server/operations');
  const config = loadConfig(env);
  const store = await openStore(storeConfigOf(config));
  try {
    return await work(store, config);
  } finally {
    await store.close();
  }
}
