import type { CompiledQuery, Kysely } from 'kysely';
import type { AuditRow } from '../port.js';
import type { Database } from '../schema.js';
import type { DialectAdapter } from './dialect.js';

/** What the concern files of the store share: the adapter and its two connections. */
export interface StoreContext {
  readonly adapter: DialectAdapter;
  /** Writes. */
  readonly db: Kysely<Database>;
  /** Reads outside transactions. */
  readonly read: Kysely<Database>;
}

/** What the concern files' transaction parts share: the transaction, its clock, what it audited. */
export interface TxContext {
  readonly trx: Kysely<Database>;
  readonly adapter: DialectAdapter;
  readonly nowMs: number;
  /** The audit entries written in this transaction (handed to listeners once it commits). */
  readonly audited: AuditRow[];
  /** Set when this transaction bumped the auth revision (the adapter hears of it once it commits). */
  authBumped?: boolean;
}

/** Writes that are bookkeeping (outbox, idempotency, usage…): the sync watermark need not wait for them. */
export const BOOKKEEPING = { touchesRecords: false } as const;

/** SQL texts Kysely compiled, by dialect adapter, then by a key naming the statement. */
const compiledSql = new WeakMap<DialectAdapter, Map<string, string>>();

/**
 * The SQL of a statement compiled once and reused with other parameters: building and
 * compiling a query of thousands of values costs more than running it.
 */
export function compiled(adapter: DialectAdapter, key: string, compile: () => CompiledQuery): string {
  let cache = compiledSql.get(adapter);
  if (!cache) {
    cache = new Map();
    compiledSql.set(adapter, cache);
  }
  let text = cache.get(key);
  if (text === undefined) {
    text = compile().sql;
    if (cache.size >= 128) cache.clear();
    cache.set(key, text);
  }
  return text;
}

/** A read in a write transaction, locked (`FOR UPDATE`) where the dialect locks rows (PostgreSQL). */
export function locked<Q extends { forUpdate(): Q }>(adapter: DialectAdapter, query: Q): Q {
  return adapter.lockRows ? query.forUpdate() : query;
}
