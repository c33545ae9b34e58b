import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { recordServerAudience } from './core/consumers.js';
import { seedDemo } from './demo/seed-demo.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/port.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  /** The address it listens on, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Stops accepting, finishes in-flight requests, closes the database. */
  close(): Promise<void>;
}

/** Opens the database, seeds the demo when on, and listens. */
export async function startServer(config: Config): Promise<RunningServer> {
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    postgres: { poolSize: config.databasePoolSize, statementTimeoutMs: config.databaseStatementTimeoutMs },
  });
  let app: FastifyInstance | undefined;
  try {
    // `consumer add` on this database hands out this audience (SPEC §10).
    await recordServerAudience(store, config.publicUrl);
    app = await buildApp({ config, store });
    if (config.demo) {
      const { seeded } = await seedDemo(store);
      app.log.info({ seeded }, 'demo consumer and data ready (DEMO=on): do not use in production');
    }
    const url = await app.listen({ port: config.port, host: config.host });
    let closing: Promise<void> | undefined;
    return {
      app,
      store,
      url,
      close() {
        closing ??= (async () => {
          app!.log.info('shutting down: no new connections; finishing the requests and callback attempts under way');
          await app!.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await app?.close().catch(() => {});
    await store.close();
    throw error;
  }
}
