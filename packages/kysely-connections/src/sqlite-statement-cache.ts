import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';

/**
 * A better-sqlite3 connection as Kysely's `SqliteDialect` sees it (`{ database }`), with its
 * statements kept prepared: the driver prepares every query it runs, which for a lookup of
 * 1,024 ids (the server's list) or a chunk's 1,000-row upsert (the sync mirror) cost a good
 * part of the work. Statements are kept by SQL text (Kysely passes values as parameters, so
 * texts repeat), the oldest dropped beyond `size`. A statement still iterating (a streamed
 * query) is not handed out twice: a second one is prepared for that call.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(new SqliteDatabase(file)) }) });
 */
export function withStatementCache(connection: SqliteDatabase.Database, size = 256): KyselySqliteDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => connection.close(),
    prepare(text: string) {
      const cached = statements.get(text);
      if (cached && !cached.busy) return cached;
      const statement = connection.prepare(text);
      if (!cached) {
        if (statements.size >= size) statements.delete(statements.keys().next().value!);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}
