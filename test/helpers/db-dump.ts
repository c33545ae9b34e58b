import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { TestDatabase } from './server.js';

/** Every row of every table, and for SQLite the blob files: what "the database" holds. */
export type DatabaseDump = Record<string, string[]>;

const canonical = (row: Record<string, unknown>) =>
  JSON.stringify(row, (_key, value) =>
    Buffer.isBuffer(value) ? `<${value.length} bytes>` : typeof value === 'bigint' ? String(value) : value,
  );

/** Tables whose rows come and go inside a write (the SQLite watermark) or belong to migrations. */
// Bookkeeping that changes by itself: write intents, migrations, rate-limit counts (synced in the background).
const TRANSIENT = new Set(['write_intents', 'kysely_migration', 'kysely_migration_lock', 'rate_limit_counts']);

function listFiles(dir: string, prefix = ''): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

/**
 * Reads the test database directly (not through the server): each table's rows in a
 * canonical order. Two dumps are equal when a refused write left nothing behind.
 */
export async function dumpDatabase(db: TestDatabase): Promise<DatabaseDump> {
  const dump: DatabaseDump = {};
  if (db.dialect === 'sqlite') {
    const raw = new SqliteDatabase(join(db.dataDir, 'finum-sync.db'), { readonly: true, fileMustExist: true });
    try {
      const tables = raw
        .prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`)
        .pluck()
        .all() as string[];
      for (const table of tables.filter((t) => !TRANSIENT.has(t))) {
        dump[table] = (raw.prepare(`select * from "${table}"`).all() as Record<string, unknown>[])
          .map(canonical)
          .sort();
      }
    } finally {
      raw.close();
    }
    dump['(blob files)'] = listFiles(join(db.dataDir, 'blobs')).sort();
    return dump;
  }
  const client = new pg.Client({ connectionString: db.databaseUrl });
  await client.connect();
  try {
    const tables = (await client.query(`select tablename from pg_tables where schemaname = 'public'`)).rows.map(
      (r) => r.tablename as string,
    );
    for (const table of tables.filter((t) => !TRANSIENT.has(t))) {
      dump[table] = (await client.query(`select * from "${table}"`)).rows.map(canonical).sort();
    }
  } finally {
    await client.end();
  }
  return dump;
}

/**
 * Runs a request that must be refused and returns its response, failing when the
 * database afterwards differs from before in any table.
 */
export async function refusedWithoutTrace<T>(db: TestDatabase, action: () => Promise<T>): Promise<T> {
  const before = await dumpDatabase(db);
  const result = await action();
  const after = await dumpDatabase(db);
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const added = (after[table] ?? []).filter((row) => !(before[table] ?? []).includes(row));
    const removed = (before[table] ?? []).filter((row) => !(after[table] ?? []).includes(row));
    if (added.length > 0 || removed.length > 0) {
      throw new Error(
        `the refused request changed table ${table}:\n  added: ${added.join('\n         ')}\n  removed: ${removed.join('\n           ')}`,
      );
    }
  }
  return result;
}
