import type { RecordType } from '@finum-sync/spec';
import { CompiledQuery, type Kysely, Migrator, sql } from 'kysely';
import { migrationProvider } from './migrations.js';
import {
  type AuthState,
  type ChangedIds,
  type ConsumerKeyRow,
  type ConsumerRow,
  type FileBytes,
  type KeyAlgorithm,
  PUBLIC_OWNER,
  type Store,
  type StoredRecord,
  type StoreTx,
} from './port.js';
import { type Database, FIELD_COLUMNS, INDEXED_FIELDS, RECORD_TABLES } from './schema.js';

/**
 * What differs between SQLite and PostgreSQL, kept to the few things a dialect must do
 * its own way: transactions and their clock, the sync watermark, change notification of
 * consumers and keys, and where file bytes live.
 */
export interface DialectAdapter {
  readonly name: 'sqlite' | 'postgres';
  readonly db: Kysely<Database>;
  /** Runs `work` in one write transaction; `nowMs` is read once the transaction holds its place. */
  writeTransaction<T>(work: (trx: Kysely<Database>, nowMs: number) => Promise<T>): Promise<T>;
  /**
   * Reads the clock and the start of the oldest write still in flight. Called before the
   * data query, so that `min(nowMs, oldestWriteMs)` is a watermark that misses nothing.
   */
  syncClock(): Promise<{ nowMs: number; oldestWriteMs: number | null }>;
  nowMs(): Promise<number>;
  /** Whether rows read in a write transaction must be locked (`FOR UPDATE`). */
  readonly lockRows: boolean;
  authRevision(): number;
  /** Called in the transaction that changed consumers or keys. */
  announceAuthChange(trx: Kysely<Database>, revision: number): Promise<void>;
  /** Called after that transaction committed. */
  authChangeCommitted(): void;
  putBlob(bytes: Buffer): Promise<{ sha256: string; size: number }>;
  getBlob(sha256: string): Promise<FileBytes | undefined>;
  close(): Promise<void>;
}

type RecordRow = {
  id: string;
  owner_id: string;
  version: number;
  created_ms: number;
  updated_ms: number;
  deleted: number;
  body: string;
} & Record<string, unknown>;

/** Owners whose records a consumer sees (SPEC §4). */
function visibleOwners(type: RecordType, consumerId: string): string[] {
  if (type === 'product') return [PUBLIC_OWNER];
  if (type === 'file') return [PUBLIC_OWNER, consumerId];
  return [consumerId];
}

function fromRow(type: RecordType, row: RecordRow): StoredRecord {
  return {
    type,
    id: row.id,
    ownerId: row.owner_id,
    version: Number(row.version),
    createdMs: Number(row.created_ms),
    updatedMs: Number(row.updated_ms),
    deleted: Number(row.deleted) === 1,
    data: JSON.parse(row.body) as Record<string, unknown>,
  };
}

const consumerFromRow = (r: Database['consumers']): ConsumerRow => ({
  id: r.id,
  name: r.name,
  status: r.status === 'disabled' ? 'disabled' : 'active',
  callbackUrl: r.callback_url,
  callbackSecret: r.callback_secret,
  createdMs: Number(r.created_ms),
});

const keyFromRow = (r: Database['consumer_keys']): ConsumerKeyRow => ({
  consumerId: r.consumer_id,
  kid: r.kid,
  alg: r.alg as KeyAlgorithm,
  publicKey: r.public_key,
  createdMs: Number(r.created_ms),
});

/** The columns every record table has, in the order putRecords() binds them. */
const RECORD_COLUMNS = ['id', 'owner_id', 'version', 'created_ms', 'updated_ms', 'deleted', 'body'];

/** Parameters of one multi-row INSERT: inside SQLite's (32,766) and PostgreSQL's (65,535) limits. */
const MAX_PARAMETERS = 30_000;

/** Joins ids in changedIds(): a control character, which no id (SPEC §2) contains. */
const ID_SEPARATOR = '\u001f';

/** Ids per primary-key lookup query in recordsByIds(). */
const LOOKUP_CHUNK = 1024;

/** SQL texts Kysely compiled, by dialect adapter, then by a key naming the statement. */
const compiledSql = new WeakMap<DialectAdapter, Map<string, string>>();

/**
 * The SQL of a statement compiled once and reused with other parameters: building and
 * compiling a query of thousands of values costs more than running it.
 */
function compiled(adapter: DialectAdapter, key: string, compile: () => CompiledQuery): string {
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

class KyselyStoreTx implements StoreTx {
  authChanged = false;

  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
    readonly nowMs: number,
  ) {}

  async getRecord(type: RecordType, id: string): Promise<StoredRecord | undefined> {
    let q = this.trx.selectFrom(RECORD_TABLES[type]).selectAll().where('id', '=', id);
    if (this.adapter.lockRows) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row ? fromRow(type, row as RecordRow) : undefined;
  }

  putRecord(record: StoredRecord): Promise<void> {
    return this.putRecords([record]);
  }

  async putRecords(records: readonly StoredRecord[]): Promise<void> {
    const byType = new Map<RecordType, StoredRecord[]>();
    for (const r of records) {
      const list = byType.get(r.type);
      if (list) list.push(r);
      else byType.set(r.type, [r]);
    }
    for (const [type, list] of byType) {
      // The row of a record: the columns every record table has, then its indexed fields.
      const fields = Object.values(INDEXED_FIELDS[type]);
      const columns = [...RECORD_COLUMNS, ...Object.keys(INDEXED_FIELDS[type])];
      const chunk = Math.floor(MAX_PARAMETERS / columns.length);
      for (let start = 0; start < list.length; start += chunk) {
        const end = Math.min(list.length, start + chunk);
        // Straight into one parameter array, in the order of the compiled statement.
        const parameters: unknown[] = new Array((end - start) * columns.length);
        let p = 0;
        for (let i = start; i < end; i++) {
          const r = list[i]!;
          parameters[p++] = r.id;
          parameters[p++] = r.ownerId;
          parameters[p++] = r.version;
          parameters[p++] = r.createdMs;
          parameters[p++] = r.updatedMs;
          parameters[p++] = r.deleted ? 1 : 0;
          parameters[p++] = JSON.stringify(r.data);
          for (const field of fields) parameters[p++] = r.data[field] ?? null;
        }
        await this.trx.executeQuery(CompiledQuery.raw(this.upsertSql(type, columns, end - start), parameters));
      }
    }
  }

  /**
   * The multi-row upsert of `count` rows, compiled by Kysely for this dialect once and then
   * reused: building and compiling a query of thousands of values costs more than running it.
   */
  private upsertSql(type: RecordType, columns: string[], count: number): string {
    return compiled(this.adapter, `upsert:${type}:${columns.join(',')}:${count}`, () => {
      const placeholder = Object.fromEntries(columns.map((c) => [c, 0]));
      const query = this.trx
        .insertInto(RECORD_TABLES[type])
        // biome-ignore lint/suspicious/noExplicitAny: one row shape serves the five record tables
        .values(Array.from({ length: count }, () => placeholder) as any)
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet((eb) =>
              Object.fromEntries(columns.filter((c) => c !== 'id').map((c) => [c, eb.ref(`excluded.${c}` as never)])),
            ),
        )
        .compile();
      // Every value must be a parameter, in row-then-column order, for the reuse to be right.
      if (query.parameters.length !== count * columns.length) throw new Error(`unexpected ${type} upsert shape`);
      return query;
    });
  }

  async recordsWhere(type: RecordType, field: 'holderId' | 'contractId', value: string): Promise<StoredRecord[]> {
    const column = FIELD_COLUMNS[field]!;
    const rows = await this.trx
      .selectFrom(RECORD_TABLES[type])
      .selectAll()
      .where(column as never, '=', value as never)
      .orderBy('id')
      .execute();
    return rows.map((r) => fromRow(type, r as RecordRow));
  }

  async getConsumer(id: string): Promise<ConsumerRow | undefined> {
    const row = await this.trx.selectFrom('consumers').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? consumerFromRow(row) : undefined;
  }

  async putConsumer(row: ConsumerRow): Promise<void> {
    const values = {
      id: row.id,
      name: row.name,
      status: row.status,
      callback_url: row.callbackUrl,
      callback_secret: row.callbackSecret,
      created_ms: row.createdMs,
    };
    await this.trx
      .insertInto('consumers')
      .values(values)
      .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, id: undefined }))
      .execute();
  }

  async putKey(row: ConsumerKeyRow): Promise<void> {
    const values = {
      consumer_id: row.consumerId,
      kid: row.kid,
      alg: row.alg,
      public_key: row.publicKey,
      created_ms: row.createdMs,
    };
    await this.trx
      .insertInto('consumer_keys')
      .values(values)
      .onConflict((oc) => oc.columns(['consumer_id', 'kid']).doUpdateSet({ alg: row.alg, public_key: row.publicKey }))
      .execute();
  }

  async removeKey(consumerId: string, kid: string): Promise<boolean> {
    const r = await this.trx
      .deleteFrom('consumer_keys')
      .where('consumer_id', '=', consumerId)
      .where('kid', '=', kid)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async bumpAuthRevision(): Promise<void> {
    const current = Number((await this.getMeta('auth_revision')) ?? '0');
    await this.setMeta('auth_revision', String(current + 1));
    await this.adapter.announceAuthChange(this.trx, current + 1);
    this.authChanged = true;
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = await this.trx.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.trx
      .insertInto('meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}

export class KyselyStore implements Store {
  readonly dialect: 'sqlite' | 'postgres';
  private readonly db: Kysely<Database>;

  private constructor(private readonly adapter: DialectAdapter) {
    this.dialect = adapter.name;
    this.db = adapter.db;
  }

  /** Opens a store over a dialect adapter and brings its schema up to date. */
  static async open(adapter: DialectAdapter): Promise<KyselyStore> {
    const migrator = new Migrator({ db: adapter.db, provider: migrationProvider(adapter.name) });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      await adapter.close();
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new Error(`database migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`);
    }
    return new KyselyStore(adapter);
  }

  async recordsByIds(type: RecordType, consumerId: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    // Looked up by primary key alone, visibility checked here: with the owner in the WHERE
    // clause too, SQLite's planner picks the owner's index and scans all of its records.
    const owners = visibleOwners(type, consumerId);
    const byId = new Map<string, string>();
    for (let start = 0; start < ids.length; start += LOOKUP_CHUNK) {
      const chunk = ids.slice(start, start + LOOKUP_CHUNK);
      // Padded (with a repeated id) to a power of two, so that a few compiled statements serve all sizes.
      const size = Math.max(8, 2 ** Math.ceil(Math.log2(chunk.length)));
      const parameters = chunk.concat(Array<string>(size - chunk.length).fill(chunk[chunk.length - 1]!));
      const { rows } = await this.db.executeQuery<{ id: string; owner_id: string; body: string }>(
        CompiledQuery.raw(this.lookupSql(type, size), parameters),
      );
      for (const r of rows) if (owners.includes(r.owner_id)) byId.set(r.id, r.body);
    }
    const out: string[] = [];
    for (const id of ids) {
      const body = byId.get(id);
      if (body !== undefined) out.push(body);
    }
    return out;
  }

  /** `select id, owner_id, body … where id in (size ids)`, compiled once per size (see upsertSql). */
  private lookupSql(type: RecordType, size: number): string {
    return compiled(this.adapter, `lookup:${type}:${size}`, () =>
      this.db
        .selectFrom(RECORD_TABLES[type])
        .select(['id', 'owner_id', 'body'])
        .where('id', 'in', Array<string>(size).fill(''))
        .compile(),
    );
  }

  async recordsByField(type: RecordType, consumerId: string, field: string, value: string): Promise<string[]> {
    const column = FIELD_COLUMNS[field];
    if (!column) throw new Error(`${type} records cannot be filtered by ${field}`);
    const rows = await this.db
      .selectFrom(RECORD_TABLES[type])
      .select('body')
      .where(column as never, '=', value as never)
      .where('owner_id', 'in', visibleOwners(type, consumerId))
      .orderBy('id')
      .execute();
    return rows.map((r) => r.body);
  }

  async changedIds(type: RecordType, consumerId: string, sinceMs: number | undefined): Promise<ChangedIds> {
    const clock = await this.adapter.syncClock();
    // The ids come back as one string built by the database: a row (an object) per id
    // costs several times more than the query itself when there are tens of thousands.
    const joined =
      this.dialect === 'postgres'
        ? sql<string | null>`string_agg(${sql.ref('id')}, ${ID_SEPARATOR})`
        : sql<string | null>`group_concat(${sql.ref('id')}, ${ID_SEPARATOR})`;
    let q = this.db
      .selectFrom(RECORD_TABLES[type])
      .select(joined.as('ids'))
      .where('owner_id', 'in', visibleOwners(type, consumerId));
    if (sinceMs !== undefined) q = q.where('updated_ms', '>=', sinceMs);
    const row = await q.executeTakeFirst();
    const untilMs = clock.oldestWriteMs === null ? clock.nowMs : Math.min(clock.nowMs, clock.oldestWriteMs);
    return { ids: row?.ids ? row.ids.split(ID_SEPARATOR) : [], untilMs };
  }

  async visibleRecord(type: RecordType, consumerId: string, id: string): Promise<StoredRecord | undefined> {
    const row = await this.db
      .selectFrom(RECORD_TABLES[type])
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', 'in', visibleOwners(type, consumerId))
      .executeTakeFirst();
    return row ? fromRow(type, row as RecordRow) : undefined;
  }

  nowMs(): Promise<number> {
    return this.adapter.nowMs();
  }

  async transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    let tx: KyselyStoreTx | undefined;
    const result = await this.adapter.writeTransaction((trx, nowMs) => {
      tx = new KyselyStoreTx(trx, this.adapter, nowMs);
      return work(tx);
    });
    if (tx?.authChanged) this.adapter.authChangeCommitted();
    return result;
  }

  async loadAuthState(): Promise<AuthState> {
    const [consumers, keys] = await Promise.all([
      this.db.selectFrom('consumers').selectAll().execute(),
      this.db.selectFrom('consumer_keys').selectAll().execute(),
    ]);
    return { consumers: consumers.map(consumerFromRow), keys: keys.map(keyFromRow) };
  }

  async listConsumers(): Promise<ConsumerRow[]> {
    const rows = await this.db.selectFrom('consumers').selectAll().orderBy('id').execute();
    return rows.map(consumerFromRow);
  }

  authRevision(): number {
    return this.adapter.authRevision();
  }

  putBlob(bytes: Buffer) {
    return this.adapter.putBlob(bytes);
  }

  getBlob(sha256: string) {
    return this.adapter.getBlob(sha256);
  }

  async ping(): Promise<void> {
    await this.db.selectFrom('meta').select('key').limit(1).execute();
  }

  close(): Promise<void> {
    return this.adapter.close();
  }
}
