import { RECORD_TYPES, type RecordType } from '@finum-sync/spec/constants';
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

/**
 * The mirror's tables. The record tables are SPEC §11's normative layout (one table per
 * record type, named as the type); the `sync_*` tables are the engine's own state.
 */
export interface MirrorRow {
  provider: string;
  id: string;
  version: number;
  /** 0/1 on SQLite, boolean on PostgreSQL. */
  deleted: number | boolean;
  /** RFC 3339, the record's `updatedAt`. */
  updated_at: string;
  /** The record exactly as the provider sent it: JSON text (SQLite) or jsonb (PostgreSQL, read back parsed). */
  record: string | unknown;
  /** When this engine last wrote the row (RFC 3339). */
  synced_at: string;
}

export interface StreamRow {
  provider: string;
  type: string;
  /** The provider's `X-Sync-Until` of the last finished window, verbatim. */
  watermark: string | null;
  watermark_warning: string | null;
  last_attempt_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  /** `sync reset` asked for a full window on the next run (0/1). */
  reset_requested: number;
}

export interface WindowRow {
  provider: string;
  type: string;
  since: string | null;
  until: string;
  warning: string | null;
  full: number;
  chunk_count: number;
  listed: number;
  opened_at: string;
}

export interface PendingChunkRow {
  provider: string;
  type: string;
  chunk: number;
  /** JSON array of ids. */
  ids: string;
}

export interface ListedIdRow {
  provider: string;
  type: string;
  id: string;
}

export interface FileContentRow {
  provider: string;
  id: string;
  sha256: string;
  size: number;
  stored_at: string;
}

export interface BlobRow {
  sha256: string;
  bytes: Uint8Array;
}

export type MirrorDatabase = { [T in RecordType]: MirrorRow } & {
  sync_stream: StreamRow;
  sync_window: WindowRow;
  sync_pending_chunk: PendingChunkRow;
  sync_listed_id: ListedIdRow;
  sync_file_content: FileContentRow;
  sync_blob: BlobRow;
};

/**
 * The record tables' secondary index (`provider`, `updated_at`): the engine's own addition
 * (SPEC §11 asks only for the primary key), for users' "changed since" queries. On SQLite a
 * full window into an empty table drops it and the window's commit builds it again (see
 * `KyselyMirror.openWindow`); every open creates it if it is missing.
 */
export const updatedAtIndex = (type: RecordType) => `${type}_updated_at`;

/** The migrations table (its own name, so a mirror can live in a database with other Kysely users). */
export const MIGRATION_TABLE = 'finum_mirror_migration';
export const MIGRATION_LOCK_TABLE = 'finum_mirror_migration_lock';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
type Db = Kysely<any>;

/**
 * Versioned migrations, the same for both dialects apart from the column types SPEC §11
 * names (jsonb and boolean on PostgreSQL). Append new ones; never edit one that shipped.
 */
export function mirrorMigrations(dialect: 'sqlite' | 'postgres'): MigrationProvider {
  const json = dialect === 'postgres' ? 'jsonb' : 'text';
  const bool = dialect === 'postgres' ? 'boolean' : 'integer';
  const initial: Migration = {
    async up(db: Db) {
      for (const type of RECORD_TYPES) {
        await db.schema
          .createTable(type)
          .addColumn('provider', 'text', (c) => c.notNull())
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('deleted', bool, (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('record', json, (c) => c.notNull())
          .addColumn('synced_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${type}_pk`, ['provider', 'id'])
          .execute();
        await db.schema.createIndex(updatedAtIndex(type)).on(type).columns(['provider', 'updated_at']).execute();
      }
      await db.schema
        .createTable('sync_stream')
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('watermark', 'text')
        .addColumn('watermark_warning', 'text')
        .addColumn('last_attempt_at', 'text')
        .addColumn('last_success_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('last_error_at', 'text')
        .addColumn('reset_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('sync_stream_pk', ['provider', 'type'])
        .execute();
      await db.schema
        .createTable('sync_window')
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('since', 'text')
        .addColumn('until', 'text', (c) => c.notNull())
        .addColumn('warning', 'text')
        .addColumn('full', 'integer', (c) => c.notNull())
        .addColumn('chunk_count', 'integer', (c) => c.notNull())
        .addColumn('listed', 'integer', (c) => c.notNull())
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sync_window_pk', ['provider', 'type'])
        .execute();
      await db.schema
        .createTable('sync_pending_chunk')
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('chunk', 'integer', (c) => c.notNull())
        .addColumn('ids', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sync_pending_chunk_pk', ['provider', 'type', 'chunk'])
        .execute();
      await db.schema
        .createTable('sync_listed_id')
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sync_listed_id_pk', ['provider', 'type', 'id'])
        .execute();
      await db.schema
        .createTable('sync_file_content')
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('stored_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sync_file_content_pk', ['provider', 'id'])
        .execute();
      if (dialect === 'postgres') {
        await db.schema
          .createTable('sync_blob')
          .addColumn('sha256', 'text', (c) => c.primaryKey())
          .addColumn('bytes', 'bytea', (c) => c.notNull())
          .execute();
      }
    },
  };
  return { getMigrations: async () => ({ '0001-initial': initial }) };
}

/** Guards against a table name that is not a record type reaching SQL. */
export const recordTable = (type: RecordType) => sql.table(type);
