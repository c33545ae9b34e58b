import { TEST_PG_URL } from './postgres.js';
import { createTestDatabase, startTestServer, type TestServer } from './server.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * A test server on a PostgreSQL database of its own, reached through a {@link TcpProxy} the
 * test can cut, restore or throttle: the database lost (and back) while the server runs.
 * `close()` stops the server, the proxy and drops the database.
 */
export async function startServerBehindProxy(): Promise<{
  server: TestServer;
  proxy: TcpProxy;
  close(): Promise<void>;
}> {
  const db = await createTestDatabase('postgres');
  const target = new URL(TEST_PG_URL);
  const proxy = await new TcpProxy(target.hostname, Number(target.port || 5432)).start();
  const viaProxy = new URL(db.databaseUrl!);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  const server = await startTestServer({ db: { ...db, env: { ...db.env, DATABASE_URL: viaProxy.toString() } } });
  return {
    server,
    proxy,
    async close() {
      await server.close();
      await proxy.cut();
      await db.drop();
    },
  };
}
