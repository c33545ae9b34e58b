import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

/**
 * Versioned migrations, the same for SQLite and PostgreSQL. Append new ones; never edit
 * one that has shipped. Kysely's migrator records them and takes a lock, so that several
 * server processes starting at once migrate once.
 */

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
type Db = Kysely<any>;

async function recordTable(db: Db, name: string, extra: (t: ReturnType<Db['schema']['createTable']>) => typeof t) {
  let table = db.schema
    .createTable(name)
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('body', 'text', (c) => c.notNull());
  table = extra(table);
  await table.execute();
  // The delta query: ids of an owner's records changed since a time, from the index alone.
  await db.schema.createIndex(`${name}_owner_updated`).on(name).columns(['owner_id', 'updated_ms', 'id']).execute();
}

const initial: Migration = {
  async up(db) {
    await recordTable(db, 'clients', (t) => t.addColumn('external_id', 'text'));
    await db.schema.createIndex('clients_owner_external').on('clients').columns(['owner_id', 'external_id']).execute();
    await recordTable(db, 'products', (t) => t);
    await recordTable(db, 'users', (t) => t);
    await recordTable(db, 'contracts', (t) =>
      t.addColumn('holder_id', 'text', (c) => c.notNull()).addColumn('status', 'integer', (c) => c.notNull()),
    );
    await db.schema.createIndex('contracts_owner_holder').on('contracts').columns(['owner_id', 'holder_id']).execute();
    await db.schema.createIndex('contracts_status').on('contracts').columns(['status', 'updated_ms']).execute();
    await recordTable(db, 'files', (t) => t.addColumn('contract_id', 'text').addColumn('client_id', 'text'));
    await db.schema.createIndex('files_contract').on('files').column('contract_id').execute();
    await db.schema.createIndex('files_client').on('files').column('client_id').execute();

    await db.schema
      .createTable('consumers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('callback_url', 'text')
      .addColumn('callback_secret', 'text', (c) => c.notNull())
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('consumer_keys')
      .addColumn('consumer_id', 'text', (c) => c.notNull().references('consumers.id'))
      .addColumn('kid', 'text', (c) => c.notNull())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('consumer_keys_pk', ['consumer_id', 'kid'])
      .execute();
    await db.schema
      .createTable('meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('write_intents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('started_ms', 'bigint', (c) => c.notNull())
      .execute();
    await sql`insert into meta (key, value) values ('auth_revision', '1')`.execute(db);
  },
};

/** File bytes by content hash: PostgreSQL keeps them here, so that every process serves them. */
const blobs = (dialect: Dialect): Migration => ({
  async up(db) {
    await db.schema
      .createTable('blobs')
      .addColumn('sha256', 'text', (c) => c.primaryKey())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('bytes', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
      .execute();
  },
});

export type Dialect = 'sqlite' | 'postgres';

export const migrationProvider = (dialect: Dialect): MigrationProvider => ({
  getMigrations: async () => ({
    '2026-11-23-001-initial': initial,
    '2026-11-23-002-blobs': blobs(dialect),
  }),
});
