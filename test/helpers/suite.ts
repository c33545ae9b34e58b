import { afterAll, beforeAll } from 'vitest';
import { type DialectName, startTestServer, type TestConsumer, type TestServer } from './server.js';

export interface SuiteServer {
  server: TestServer;
  /** A consumer `broker` (ES256). */
  consumer: TestConsumer;
}

/**
 * A test server with one consumer for the enclosing suite: started (and `seed`ed) before
 * its tests, closed with its database after them. Fields are set once `beforeAll` ran.
 */
export function useTestServer(
  dialect: DialectName,
  seed: (suite: SuiteServer) => Promise<void> = async () => {},
): SuiteServer {
  const suite = {} as SuiteServer;
  beforeAll(async () => {
    suite.server = await startTestServer({ dialect });
    suite.consumer = await suite.server.addConsumer('broker');
    await seed(suite);
  });
  afterAll(() => suite.server?.close());
  return suite;
}
