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

/** Writes: idempotency keys, one-shot callbacks, and the callback outbox with its attempts. */
const writes: Migration = {
  async up(db) {
    await db.schema
      .createTable('idempotency_keys')
      .addColumn('consumer_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('response_status', 'integer')
      .addColumn('response_body', 'text')
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .addColumn('lease_until_ms', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['consumer_id', 'key'])
      .execute();
    await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_ms').execute();
    // The callbackUrl given with the last write of a contract, until its next status change.
    await db.schema
      .createTable('pending_callbacks')
      .addColumn('contract_id', 'text', (c) => c.primaryKey())
      .addColumn('consumer_id', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('callback_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('consumer_id', 'text', (c) => c.notNull())
      .addColumn('contract_id', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .addColumn('next_attempt_ms', 'bigint', (c) => c.notNull())
      .addColumn('finished_ms', 'bigint')
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'text')
      .execute();
    await db.schema
      .createIndex('callback_deliveries_due')
      .on('callback_deliveries')
      .columns(['state', 'next_attempt_ms'])
      .execute();
    await db.schema
      .createIndex('callback_deliveries_contract')
      .on('callback_deliveries')
      .columns(['contract_id', 'created_ms'])
      .execute();
    await db.schema
      .createTable('callback_attempts')
      .addColumn('delivery_id', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('started_ms', 'bigint', (c) => c.notNull())
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('error', 'text')
      .addPrimaryKeyConstraint('callback_attempts_pk', ['delivery_id', 'attempt'])
      .execute();
  },
};

/** Request counts per key and minute, added up by every server process (shared rate limits). */
const rateLimits: Migration = {
  async up(db) {
    await db.schema
      .createTable('rate_limit_counts')
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('window_ms', 'bigint', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rate_limit_counts_pk', ['key', 'window_ms'])
      .execute();
  },
};

/** Onboarding applications (status link by token hash) and the admin pages' sessions. */
const onboarding: Migration = {
  async up(db) {
    await db.schema
      .createTable('applications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('idempotency_key', 'text', (c) => c.unique())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('company', 'text', (c) => c.notNull())
      .addColumn('contact_name', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('phone', 'text', (c) => c.notNull())
      .addColumn('website', 'text')
      .addColumn('intended_use', 'text', (c) => c.notNull())
      .addColumn('callback_url', 'text')
      .addColumn('key_source', 'text', (c) => c.notNull())
      .addColumn('public_key', 'text')
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .addColumn('decided_ms', 'bigint')
      .addColumn('rejection_reason', 'text')
      .addColumn('consumer_id', 'text')
      // A provider-generated private key, from approval until the status link shows it once.
      .addColumn('private_key', 'text')
      .addColumn('private_key_shown_ms', 'bigint')
      .execute();
    await db.schema.createIndex('applications_status').on('applications').columns(['status', 'created_ms']).execute();
    await db.schema
      .createTable('admin_sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .addColumn('expires_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('admin_sessions_expires').on('admin_sessions').column('expires_ms').execute();
  },
};

/** The audit trail: who did what and when, written in the transaction of the action. */
const audit: Migration = {
  async up(db) {
    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at_ms', 'bigint', (c) => c.notNull())
      .addColumn('actor_kind', 'text', (c) => c.notNull())
      .addColumn('actor_name', 'text', (c) => c.notNull())
      .addColumn('actor_address', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target_type', 'text', (c) => c.notNull())
      .addColumn('target_id', 'text')
      .addColumn('detail', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at_ms', 'id']).execute();
    await db.schema
      .createIndex('audit_log_target')
      .on('audit_log')
      .columns(['target_type', 'target_id', 'at_ms'])
      .execute();
  },
};

/** Provider event endpoints added in the back office (besides PROVIDER_WEBHOOK_URL), each with its secret. */
const providerEndpoints: Migration = {
  async up(db) {
    await db.schema
      .createTable('provider_endpoints')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull().unique())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/**
 * Records by owner and id together: a lookup of ids finds only the rows the consumer may see,
 * so an id of another consumer costs what an id that does not exist costs (SPEC §4: nothing
 * about another consumer's data shows in the timing). By primary key, another consumer's row
 * was read and then left out. On PostgreSQL the index's columns have the collation "POSIX"
 * (byte order; equality as in any deterministic collation), which the lookup names
 * (the dialects' recordsByIdsQuery, sqlite.ts and postgres.ts): only this index can answer it, never the primary key.
 */
const ownerIdIndexes = (dialect: Dialect): Migration => ({
  async up(db) {
    for (const table of ['clients', 'products', 'users', 'contracts', 'files']) {
      const index = db.schema.createIndex(`${table}_owner_id`).on(table);
      await (dialect === 'postgres'
        ? index.expression(sql`"owner_id" collate "POSIX", "id" collate "POSIX"`)
        : index.columns(['owner_id', 'id'])
      ).execute();
    }
  },
});

/**
 * Each consumer's use of the API, for the back office (issue 15 item 4): requests, error answers
 * and when it was last seen — counted in memory by each server process and added here every few
 * seconds (UsageCounter), never written per request.
 */
const consumerUsage: Migration = {
  async up(db) {
    await db.schema
      .createTable('consumer_usage')
      .addColumn('consumer_id', 'text', (c) => c.primaryKey())
      .addColumn('requests', 'bigint', (c) => c.notNull())
      .addColumn('errors', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_ms', 'bigint', (c) => c.notNull())
      .execute();
  },
};

export type Dialect = 'sqlite' | 'postgres';

export const migrationProvider = (dialect: Dialect): MigrationProvider => ({
  getMigrations: async () => ({
    '2026-11-23-001-initial': initial,
    '2026-11-23-002-blobs': blobs(dialect),
    '2026-11-23-003-writes': writes,
    '2026-11-23-004-onboarding': onboarding,
    '2026-11-23-005-rate-limits': rateLimits,
    '2026-11-28-006-audit': audit,
    '2026-11-28-007-provider-endpoints': providerEndpoints,
    '2026-11-28-008-owner-id-indexes': ownerIdIndexes(dialect),
    '2026-11-28-009-consumer-usage': consumerUsage,
  }),
});
