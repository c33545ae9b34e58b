import { openStore } from '@finum-sync/server/internal';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/helpers/server.js';
import { storeContractSuite } from './suite.js';

/** The store port's contract on this server's own store: SQLite on disk and PostgreSQL, each a database of its own. */
describe.each(inject('dialects'))('%s', (dialect) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await db?.drop();
  });
  storeContractSuite('Kysely store', () => openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir }));
});
