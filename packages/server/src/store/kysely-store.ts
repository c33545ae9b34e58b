import { randomBytes } from 'node:crypto';
import type { RecordType } from '@finum-sync/spec';
import type { ActorKind, AuditAction, AuditTargetType } from '@finum-sync/spec/admin';
import { CompiledQuery, type Kysely, Migrator, sql } from 'kysely';
import { migrationProvider } from './migrations.js';
import {
  adminSessionFromRow,
  applicationChangeColumns,
  applicationFromRow,
  applicationToRow,
} from './onboarding-rows.js';
import {
  type AdminSessionRow,
  type ApplicationChange,
  type ApplicationRow,
  type AuditFilter,
  type AuditRow,
  type AuthState,
  type ChangedIds,
  type ConsumerKeyRow,
  type ConsumerRow,
  type ConsumerUsage,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryFilter,
  type DeliveryKind,
  type DeliveryOutcome,
  type DeliveryState,
  type FileBytes,
  type IdempotencyClaim,
  type JsonText,
  type KeyAlgorithm,
  type NewAuditEntry,
  type NewDelivery,
  type ProviderEndpointRow,
  PUBLIC_OWNER,
  type RecordRow,
  type Store,
  type StoredRecord,
  type StoreTx,
} from './port.js';
import {
  type AuditLogTable,
  type Database,
  FIELD_COLUMNS,
  INDEXED_FIELDS,
  type ProviderEndpointsTable,
  RECORD_TABLES,
  type RecordColumns,
} from './schema.js';

/**
 * What differs between SQLite and PostgreSQL, kept to the few things a dialect must do
 * its own way: transactions and their clock, the sync watermark, change notification of
 * consumers and keys, and where file bytes live.
 */
export interface DialectAdapter {
  readonly name: 'sqlite' | 'postgres';
  /** Writes (and reads inside write transactions). */
  readonly db: Kysely<Database>;
  /** Reads outside transactions: on SQLite a connection of its own, so a long write never blocks them. */
  readonly readDb: Kysely<Database>;
  /**
   * Runs `work` in one write transaction; `nowMs` is read once the transaction holds its
   * place. `touchesRecords: false` for bookkeeping (outbox, idempotency) that the sync
   * watermark need not wait for.
   */
  writeTransaction<T>(
    work: (trx: Kysely<Database>, nowMs: number) => Promise<T>,
    options?: { touchesRecords?: boolean },
  ): Promise<T>;
  /**
   * Reads the clock and the start of the oldest write still in flight. Called before the
   * data query, so that `min(nowMs, oldestWriteMs)` is a watermark that misses nothing.
   */
  syncClock(): Promise<{ nowMs: number; oldestWriteMs: number | null }>;
  nowMs(): Promise<number>;
  /** Whether rows read in a write transaction must be locked (`FOR UPDATE`). */
  readonly lockRows: boolean;
  /**
   * Upserts rows (values in `columns` order) inside the current write transaction, when the
   * dialect has a faster way than a multi-row statement (SQLite: one prepared statement).
   */
  upsertRows?(table: string, columns: readonly string[], rows: readonly unknown[][]): void;
  /** The record tables' secondary indexes (not primary keys): names and `create index` statements, from the catalog. */
  recordIndexes(trx: Kysely<Database>, tables: readonly string[]): Promise<IndexDefinition[]>;
  /** After a bulk load, before its indexes are built (SQLite: moves the WAL into the database file, where scans are faster). */
  settleBulkLoad?(): Promise<void>;
  authRevision(): number | Promise<number>;
  putBlob(bytes: Buffer): Promise<{ sha256: string; size: number }>;
  getBlob(sha256: string): Promise<FileBytes | undefined>;
  close(): Promise<void>;
}

export interface IndexDefinition {
  name: string;
  sql: string;
}

/** The `meta` key under which suspendRecordIndexes() keeps the indexes it dropped. */
const SUSPENDED_INDEXES = 'suspended_record_indexes';

/** `create index if not exists …` of a catalog's `create index …`: building it twice is harmless. */
const ifNotExists = (statement: string) =>
  statement.replace(
    /^\s*create\s+(unique\s+)?index\s+(?!if\s+not\s+exists\b)/i,
    (_, unique = '') => `CREATE ${unique.toUpperCase()}INDEX IF NOT EXISTS `,
  );

/** A row of any record table: the common columns and the table's own indexed ones. */
type SelectedRow = RecordColumns & Record<string, unknown>;

/** Owners whose records a consumer sees (SPEC §4). */
function visibleOwners(type: RecordType, consumerId: string): string[] {
  if (type === 'product') return [PUBLIC_OWNER];
  if (type === 'file') return [PUBLIC_OWNER, consumerId];
  return [consumerId];
}

function fromRow(type: RecordType, row: SelectedRow): StoredRecord {
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

const deliveryFromRow = (r: Database['callback_deliveries']): Delivery => ({
  id: r.id,
  consumerId: r.consumer_id,
  contractId: r.contract_id,
  url: r.url,
  kind: r.kind as DeliveryKind,
  payload: r.payload,
  state: r.state as DeliveryState,
  attempts: Number(r.attempts),
  createdMs: Number(r.created_ms),
  nextAttemptMs: Number(r.next_attempt_ms),
  finishedMs: r.finished_ms == null ? null : Number(r.finished_ms),
  lastStatus: r.last_status == null ? null : Number(r.last_status),
  lastError: r.last_error,
});

const attemptFromRow = (r: Database['callback_attempts']): DeliveryAttempt => ({
  deliveryId: r.delivery_id,
  attempt: Number(r.attempt),
  startedMs: Number(r.started_ms),
  durationMs: Number(r.duration_ms),
  status: r.status == null ? null : Number(r.status),
  error: r.error,
});

/** Ids per `where id in (…)` query of getRecords(). */
const ID_CHUNK = 500;

/** The columns every record table has, in the order putRecords() binds them. */
const RECORD_COLUMNS = ['id', 'owner_id', 'version', 'created_ms', 'updated_ms', 'deleted', 'body'];

/** Parameters of one multi-row INSERT: inside SQLite's (32,766) and PostgreSQL's (65,535) limits. */
const MAX_PARAMETERS = 30_000;

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

/**
 * The query of `T-list?id-list=…`: the records among `ids` that `owners` own, looked up by
 * owner and id together in the `<table>_owner_id` index (see the migration). An id of another
 * consumer is then missed in the index as an id that does not exist is, and its row is never
 * read (SPEC §4: no timing-visible difference). By primary key, the row was read and then left
 * out, which took measurably longer.
 *
 * SQLite: the ids as one JSON parameter; CROSS JOIN fixes the order (ids outside, table
 * inside), and SQLite concatenates the stored texts in the order of the ids and hands out the
 * bytes (cast … as blob), not a string to be encoded again. PostgreSQL: both columns compared
 * in the collation "POSIX" of that index (equality as in the default collation), which the
 * primary key and the other owner indexes do not have: the planner has no plan that reads
 * rows by id alone (with an index on (owner_id, id) in the default collation it still chose
 * the primary key for some owners, and read the rows). The caller orders the rows (measured
 * faster than string_agg(… order by …) in the database).
 */
export function recordsByIdsQuery(
  dialect: 'sqlite' | 'postgres',
  type: RecordType,
  owners: readonly string[],
  ids: readonly string[],
): { sql: string; parameters: unknown[] } {
  const table = RECORD_TABLES[type];
  if (dialect === 'sqlite') {
    return {
      sql:
        `select cast('[' || coalesce(group_concat(t."body", ',' order by r."key"), '') || ']' as blob) as "json"` +
        ` from json_each(?) as r cross join "${table}" as t on t."id" = r."value"` +
        ` where t."owner_id" in (${owners.map(() => '?').join(', ')})`,
      parameters: [JSON.stringify(ids), ...owners],
    };
  }
  return {
    sql:
      `select "id", "body" from "${table}"` +
      ` where "owner_id" collate "POSIX" = any($1::text[]) and "id" collate "POSIX" = any($2::text[])`,
    parameters: [owners, ids],
  };
}

/** The table row of a record. */
function rowOfRecord(record: StoredRecord): RecordRow {
  const { type, id, ownerId, version, createdMs, updatedMs, deleted, data } = record;
  return { type, id, ownerId, version, createdMs, updatedMs, deleted, body: JSON.stringify(data), fields: data };
}

/** Stores a new application unless its idempotency key is taken; whether it did. */
async function insertApplication(db: Kysely<Database>, row: ApplicationRow): Promise<boolean> {
  const r = await db
    .insertInto('applications')
    .values(applicationToRow(row))
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** An audit entry from its row. */
function auditFromRow(row: AuditLogTable): AuditRow {
  return {
    id: row.id,
    atMs: Number(row.at_ms),
    actor: { kind: row.actor_kind as ActorKind, name: row.actor_name, address: row.actor_address },
    action: row.action as AuditAction,
    targetType: row.target_type as AuditTargetType,
    targetId: row.target_id,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  };
}

const providerEndpointFromRow = (row: ProviderEndpointsTable): ProviderEndpointRow => ({
  id: row.id,
  url: row.url,
  secret: row.secret,
  description: row.description,
  createdMs: Number(row.created_ms),
});

class KyselyStoreTx implements StoreTx {
  /** The audit entries written in this transaction (logged once it commits). */
  readonly audited: AuditRow[] = [];

  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
    readonly nowMs: number,
  ) {}

  async getRecord(type: RecordType, id: string): Promise<StoredRecord | undefined> {
    let q = this.trx.selectFrom(RECORD_TABLES[type]).selectAll().where('id', '=', id);
    if (this.adapter.lockRows) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row ? fromRow(type, row as SelectedRow) : undefined;
  }

  async getRecords(type: RecordType, ids: readonly string[]): Promise<Map<string, StoredRecord>> {
    const out = new Map<string, StoredRecord>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      let q = this.trx
        .selectFrom(RECORD_TABLES[type])
        .selectAll()
        .where('id', 'in', ids.slice(i, i + ID_CHUNK) as string[]);
      if (this.adapter.lockRows) q = q.forUpdate();
      for (const row of await q.execute()) out.set(row.id, fromRow(type, row as SelectedRow));
    }
    return out;
  }

  putRecord(record: StoredRecord): Promise<void> {
    return this.putRecords([record]);
  }

  putRecords(records: readonly StoredRecord[]): Promise<void> {
    return this.putRecordRows(records.map(rowOfRecord));
  }

  async putRecordRows(records: readonly RecordRow[]): Promise<void> {
    const byType = new Map<RecordType, RecordRow[]>();
    for (const r of records) {
      const list = byType.get(r.type);
      if (list) list.push(r);
      else byType.set(r.type, [r]);
    }
    for (const [type, list] of byType) {
      // The row of a record: the columns every record table has, then its indexed fields.
      const fields = Object.values(INDEXED_FIELDS[type]);
      const columns = [...RECORD_COLUMNS, ...Object.keys(INDEXED_FIELDS[type])];
      const rowOf = (r: RecordRow) => [
        r.id,
        r.ownerId,
        r.version,
        r.createdMs,
        r.updatedMs,
        r.deleted ? 1 : 0,
        r.body,
        ...fields.map((f) => r.fields[f] ?? null),
      ];
      if (this.adapter.upsertRows) {
        this.adapter.upsertRows(RECORD_TABLES[type], columns, list.map(rowOf));
        continue;
      }
      const chunk = Math.floor(MAX_PARAMETERS / columns.length);
      for (let start = 0; start < list.length; start += chunk) {
        const end = Math.min(list.length, start + chunk);
        // Straight into one parameter array, in the order of the compiled statement.
        const parameters = list.slice(start, end).flatMap(rowOf);
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
    return rows.map((r) => fromRow(type, r as SelectedRow));
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
    // One statement, not read-then-write: two transactions bumping at once on PostgreSQL would
    // both read N and both write N + 1, and a process that had loaded its key ring at N + 1
    // between the two would never see the second change. The row exists from the first migration.
    await sql`update meta set value = cast(cast(value as bigint) + 1 as text) where key = 'auth_revision'`.execute(
      this.trx,
    );
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

  async pendingCallback(contractId: string): Promise<string | undefined> {
    const row = await this.trx
      .selectFrom('pending_callbacks')
      .select('url')
      .where('contract_id', '=', contractId)
      .executeTakeFirst();
    return row?.url;
  }

  async setPendingCallback(contractId: string, consumerId: string, url: string | null): Promise<void> {
    if (url === null) {
      await this.trx.deleteFrom('pending_callbacks').where('contract_id', '=', contractId).execute();
      return;
    }
    const values = { contract_id: contractId, consumer_id: consumerId, url, created_ms: this.nowMs };
    await this.trx
      .insertInto('pending_callbacks')
      .values(values)
      .onConflict((oc) => oc.column('contract_id').doUpdateSet({ url, created_ms: this.nowMs }))
      .execute();
  }

  async enqueueDelivery(d: NewDelivery): Promise<void> {
    await this.trx
      .insertInto('callback_deliveries')
      .values({
        id: d.id,
        consumer_id: d.consumerId,
        contract_id: d.contractId,
        url: d.url,
        kind: d.kind,
        payload: d.payload,
        state: 'pending',
        attempts: 0,
        created_ms: this.nowMs,
        next_attempt_ms: this.nowMs,
        finished_ms: null,
        last_status: null,
        last_error: null,
      })
      .execute();
  }

  async completeIdempotencyKey(consumerId: string, key: string, response: { status: number; body: string }) {
    await this.trx
      .updateTable('idempotency_keys')
      .set({ state: 'done', response_status: response.status, response_body: response.body })
      .where('consumer_id', '=', consumerId)
      .where('key', '=', key)
      .execute();
  }

  insertApplication(row: ApplicationRow): Promise<boolean> {
    return insertApplication(this.trx, row);
  }

  async getApplication(id: string): Promise<ApplicationRow | undefined> {
    let q = this.trx.selectFrom('applications').selectAll().where('id', '=', id);
    if (this.adapter.lockRows) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row ? applicationFromRow(row) : undefined;
  }

  async updateApplication(id: string, change: ApplicationChange): Promise<void> {
    await this.trx.updateTable('applications').set(applicationChangeColumns(change)).where('id', '=', id).execute();
  }

  async consumerKeys(consumerId: string): Promise<ConsumerKeyRow[]> {
    const rows = await this.trx.selectFrom('consumer_keys').selectAll().where('consumer_id', '=', consumerId).execute();
    return rows.map(keyFromRow);
  }

  async providerEndpoints(): Promise<ProviderEndpointRow[]> {
    const rows = await this.trx
      .selectFrom('provider_endpoints')
      .selectAll()
      .orderBy('created_ms')
      .orderBy('id')
      .execute();
    return rows.map(providerEndpointFromRow);
  }

  async insertProviderEndpoint(row: ProviderEndpointRow): Promise<boolean> {
    const r = await this.trx
      .insertInto('provider_endpoints')
      .values({ id: row.id, url: row.url, secret: row.secret, description: row.description, created_ms: row.createdMs })
      .onConflict((oc) => oc.column('url').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async getProviderEndpoint(id: string): Promise<ProviderEndpointRow | undefined> {
    let q = this.trx.selectFrom('provider_endpoints').selectAll().where('id', '=', id);
    if (this.adapter.lockRows) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row ? providerEndpointFromRow(row) : undefined;
  }

  async setProviderEndpointSecret(id: string, secret: string): Promise<void> {
    await this.trx.updateTable('provider_endpoints').set({ secret }).where('id', '=', id).execute();
  }

  async deleteProviderEndpoint(id: string, url: string): Promise<void> {
    await this.trx.deleteFrom('provider_endpoints').where('id', '=', id).execute();
    await this.trx
      .updateTable('callback_deliveries')
      .set({ state: 'gone', finished_ms: this.nowMs, last_error: 'stopped: the provider endpoint was removed' })
      .where('kind', '=', 'provider')
      .where('url', '=', url)
      .where('state', '=', 'pending')
      .execute();
  }

  async requeueDelivery(webhookId: string): Promise<DeliveryState | undefined> {
    let q = this.trx.selectFrom('callback_deliveries').select('state').where('id', '=', webhookId);
    if (this.adapter.lockRows) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row) return undefined;
    const state = row.state as DeliveryState;
    if (state === 'failed' || state === 'gone') {
      await this.trx
        .updateTable('callback_deliveries')
        .set({ state: 'pending', next_attempt_ms: this.nowMs, finished_ms: null })
        .where('id', '=', webhookId)
        .execute();
    }
    return state;
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditRow> {
    // Sorts by time, then by order within the transaction; random against other processes.
    const id = `aud_${this.nowMs.toString(36).padStart(9, '0')}${this.audited.length.toString(36).padStart(2, '0')}${randomBytes(6).toString('hex')}`;
    const row: AuditRow = {
      id,
      atMs: this.nowMs,
      actor: { kind: entry.actor.kind, name: entry.actor.name, address: entry.actor.address ?? null },
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      detail: entry.detail ?? {},
    };
    await this.trx
      .insertInto('audit_log')
      .values({
        id,
        at_ms: row.atMs,
        actor_kind: row.actor.kind,
        actor_name: row.actor.name,
        actor_address: row.actor.address ?? null,
        action: row.action,
        target_type: row.targetType,
        target_id: row.targetId,
        detail: JSON.stringify(row.detail),
      })
      .execute();
    this.audited.push(row);
    return row;
  }
}

export class KyselyStore implements Store {
  readonly dialect: 'sqlite' | 'postgres';
  private readonly db: Kysely<Database>;
  private readonly read: Kysely<Database>;

  private constructor(private readonly adapter: DialectAdapter) {
    this.dialect = adapter.name;
    this.db = adapter.db;
    this.read = adapter.readDb;
  }

  /** Opens a store over a dialect adapter and brings its schema up to date. */
  static async open(adapter: DialectAdapter, { restoreIndexes = true } = {}): Promise<KyselyStore> {
    const migrator = new Migrator({ db: adapter.db, provider: migrationProvider(adapter.name) });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      await adapter.close();
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new Error(`database migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`);
    }
    const store = new KyselyStore(adapter);
    // A bulk load that was killed before it built its indexes again.
    if (restoreIndexes) await store.restoreRecordIndexes();
    return store;
  }

  async suspendRecordIndexes(): Promise<() => Promise<void>> {
    await this.adapter.writeTransaction(
      async (trx) => {
        const dropped = await this.suspendedIndexes(trx);
        const live = await this.adapter.recordIndexes(trx, Object.values(RECORD_TABLES));
        const all = [...dropped.filter((d) => !live.some((l) => l.name === d.name)), ...live];
        await trx
          .insertInto('meta')
          .values({ key: SUSPENDED_INDEXES, value: JSON.stringify(all) })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(all) }))
          .execute();
        for (const index of live) await sql`drop index ${sql.id(index.name)}`.execute(trx);
      },
      { touchesRecords: false },
    );
    return async () => {
      await this.adapter.settleBulkLoad?.();
      await this.restoreRecordIndexes();
    };
  }

  /** Builds the indexes suspendRecordIndexes() dropped, if any. */
  private async restoreRecordIndexes(): Promise<void> {
    // Almost always nothing to do: a read, not a write transaction at every start.
    const suspended = await this.read
      .selectFrom('meta')
      .select('key')
      .where('key', '=', SUSPENDED_INDEXES)
      .executeTakeFirst();
    if (!suspended) return;
    await this.adapter.writeTransaction(
      async (trx) => {
        // Locked on PostgreSQL: a second process starting now waits, then finds nothing to do.
        const dropped = await this.suspendedIndexes(trx);
        for (const index of dropped) await sql.raw(ifNotExists(index.sql)).execute(trx);
        if (dropped.length > 0) await trx.deleteFrom('meta').where('key', '=', SUSPENDED_INDEXES).execute();
      },
      { touchesRecords: false },
    );
  }

  private async suspendedIndexes(trx: Kysely<Database>): Promise<IndexDefinition[]> {
    let q = trx.selectFrom('meta').select('value').where('key', '=', SUSPENDED_INDEXES);
    if (this.adapter.lockRows) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row ? (JSON.parse(row.value) as IndexDefinition[]) : [];
  }

  async recordsByIds(type: RecordType, consumerId: string, ids: readonly string[]): Promise<JsonText> {
    const unique = [...new Set(ids)];
    const lookup = recordsByIdsQuery(this.dialect, type, visibleOwners(type, consumerId), unique);
    const query = CompiledQuery.raw(lookup.sql, lookup.parameters);
    if (this.dialect === 'sqlite') {
      const { rows } = await this.read.executeQuery<{ json: JsonText | null }>(query);
      return rows[0]?.json ?? '[]';
    }
    const { rows } = await this.read.executeQuery<{ id: string; body: string }>(query);
    const byId = new Map<string, string>();
    for (const r of rows) byId.set(r.id, r.body);
    const bodies: string[] = [];
    for (const id of unique) {
      const body = byId.get(id);
      if (body !== undefined) bodies.push(body);
    }
    return `[${bodies.join(',')}]`;
  }

  async recordsByField(type: RecordType, consumerId: string, field: string, value: string): Promise<JsonText> {
    const column = FIELD_COLUMNS[field];
    if (!column) throw new Error(`${type} records cannot be filtered by ${field}`);
    const json =
      this.dialect === 'postgres'
        ? sql<JsonText>`'[' || coalesce(string_agg(${sql.ref('body')}, ',' order by ${sql.ref('id')}), '') || ']'`
        : sql<JsonText>`cast('[' || coalesce(group_concat(${sql.ref('body')}, ',' order by ${sql.ref('id')}), '') || ']' as blob)`;
    const row = await this.read
      .selectFrom(RECORD_TABLES[type])
      .select(json.as('json'))
      .where(column as never, '=', value as never)
      .where('owner_id', 'in', visibleOwners(type, consumerId))
      .executeTakeFirst();
    return row?.json ?? '[]';
  }

  async changedIds(type: RecordType, consumerId: string, sinceMs: number | undefined): Promise<ChangedIds> {
    const clock = await this.adapter.syncClock();
    // The database writes the JSON array itself: a row (an object) per id, or splitting and
    // stringifying them here, costs more than the query when there are tens of thousands.
    const idsJson =
      this.dialect === 'postgres'
        ? sql<JsonText | null>`'[' || string_agg(to_json(${sql.ref('id')})::text, ',') || ']'`
        : sql<JsonText | null>`cast(json_group_array(${sql.ref('id')}) as blob)`;
    let q = this.read
      .selectFrom(RECORD_TABLES[type])
      .select(idsJson.as('ids'))
      .where('owner_id', 'in', visibleOwners(type, consumerId));
    if (sinceMs !== undefined) q = q.where('updated_ms', '>=', sinceMs);
    const row = await q.executeTakeFirst();
    const untilMs = clock.oldestWriteMs === null ? clock.nowMs : Math.min(clock.nowMs, clock.oldestWriteMs);
    return { idsJson: row?.ids ?? '[]', untilMs };
  }

  async visibleRecord(type: RecordType, consumerId: string, id: string): Promise<StoredRecord | undefined> {
    const row = await this.read
      .selectFrom(RECORD_TABLES[type])
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', 'in', visibleOwners(type, consumerId))
      .executeTakeFirst();
    return row ? fromRow(type, row as SelectedRow) : undefined;
  }

  nowMs(): Promise<number> {
    return this.adapter.nowMs();
  }

  async transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    let last: KyselyStoreTx | undefined;
    const result = await this.adapter.writeTransaction((trx, nowMs) => {
      last = new KyselyStoreTx(trx, this.adapter, nowMs);
      return work(last);
    });
    // Committed: the last attempt's entries are the ones stored.
    for (const entry of last?.audited ?? []) {
      for (const listener of this.auditListeners) listener(entry);
    }
    return result;
  }

  private readonly auditListeners: Array<(entry: AuditRow) => void> = [];

  onAudit(listener: (entry: AuditRow) => void): () => void {
    this.auditListeners.push(listener);
    return () => {
      const at = this.auditListeners.indexOf(listener);
      if (at >= 0) this.auditListeners.splice(at, 1);
    };
  }

  async listProviderEndpoints(): Promise<ProviderEndpointRow[]> {
    const rows = await this.read
      .selectFrom('provider_endpoints')
      .selectAll()
      .orderBy('created_ms')
      .orderBy('id')
      .execute();
    return rows.map(providerEndpointFromRow);
  }

  async addConsumerUsage(counts: readonly ConsumerUsage[]): Promise<void> {
    if (counts.length === 0) return;
    await this.adapter.writeTransaction(
      async (trx) => {
        await trx
          .insertInto('consumer_usage')
          .values(
            counts.map((c) => ({
              consumer_id: c.consumerId,
              requests: c.requests,
              errors: c.errors,
              last_seen_ms: c.lastSeenMs,
            })),
          )
          .onConflict((oc) =>
            oc.column('consumer_id').doUpdateSet({
              requests: sql`consumer_usage.requests + excluded.requests`,
              errors: sql`consumer_usage.errors + excluded.errors`,
              // The later of the two (max() is greatest() on PostgreSQL: one spelling for both).
              last_seen_ms: sql`case when excluded.last_seen_ms > consumer_usage.last_seen_ms then excluded.last_seen_ms else consumer_usage.last_seen_ms end`,
            }),
          )
          .execute();
      },
      { touchesRecords: false },
    );
  }

  async consumerUsage(): Promise<ConsumerUsage[]> {
    const rows = await this.read.selectFrom('consumer_usage').selectAll().orderBy('consumer_id').execute();
    return rows.map((r) => ({
      consumerId: r.consumer_id,
      requests: Number(r.requests),
      errors: Number(r.errors),
      lastSeenMs: Number(r.last_seen_ms),
    }));
  }

  async listAudit(filter: AuditFilter): Promise<AuditRow[]> {
    let q = this.read
      .selectFrom('audit_log')
      .selectAll()
      .orderBy('at_ms', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(filter.limit ?? 100, 1000));
    if (filter.action) q = q.where('action', '=', filter.action);
    if (filter.actorKind) q = q.where('actor_kind', '=', filter.actorKind);
    if (filter.targetType) q = q.where('target_type', '=', filter.targetType);
    if (filter.targetId !== undefined) q = q.where('target_id', '=', filter.targetId);
    if (filter.sinceMs !== undefined) q = q.where('at_ms', '>=', filter.sinceMs);
    if (filter.untilMs !== undefined) q = q.where('at_ms', '<', filter.untilMs);
    return (await q.execute()).map(auditFromRow);
  }

  async contractsByStatus(
    statuses: readonly number[],
    options: { ownerId?: string; limit?: number } = {},
  ): Promise<StoredRecord[]> {
    let q = this.read
      .selectFrom('contracts')
      .selectAll()
      .where('status', 'in', statuses as number[])
      .where('deleted', '=', 0)
      .orderBy('updated_ms')
      .limit(options.limit ?? 1000);
    if (options.ownerId !== undefined) q = q.where('owner_id', '=', options.ownerId);
    const rows = await q.execute();
    return rows.map((r) => fromRow('contract', r as SelectedRow));
  }

  claimIdempotencyKey(
    consumerId: string,
    key: string,
    requestHash: string,
    { nowMs, leaseMs, ttlMs }: { nowMs: number; leaseMs: number; ttlMs: number },
  ): Promise<IdempotencyClaim> {
    return this.adapter.writeTransaction(
      async (trx) => {
        const claim = {
          request_hash: requestHash,
          state: 'running',
          response_status: null,
          response_body: null,
          created_ms: nowMs,
          lease_until_ms: nowMs + leaseMs,
        };
        // Insert first: of concurrent first requests exactly one inserts (PostgreSQL makes
        // the others wait for its commit, then finds the key taken).
        const inserted = await trx
          .insertInto('idempotency_keys')
          .values({ consumer_id: consumerId, key, ...claim })
          .onConflict((oc) => oc.columns(['consumer_id', 'key']).doNothing())
          .returning('key')
          .executeTakeFirst();
        if (inserted) return { kind: 'claimed' };
        let q = trx
          .selectFrom('idempotency_keys')
          .selectAll()
          .where('consumer_id', '=', consumerId)
          .where('key', '=', key);
        if (this.adapter.lockRows) q = q.forUpdate();
        const row = (await q.executeTakeFirst())!;
        const takeOver = (values: Partial<typeof claim>) =>
          trx
            .updateTable('idempotency_keys')
            .set(values)
            .where('consumer_id', '=', consumerId)
            .where('key', '=', key)
            .execute();
        if (Number(row.created_ms) < nowMs - ttlMs) {
          // Older than 24 h: forgotten, the key starts afresh.
          await takeOver(claim);
          return { kind: 'claimed' };
        }
        if (row.request_hash !== requestHash) return { kind: 'mismatch' };
        if (row.state === 'done')
          return { kind: 'replay', status: Number(row.response_status), body: row.response_body ?? '' };
        if (Number(row.lease_until_ms) > nowMs) return { kind: 'running' };
        // The first request died before it finished: its write did not commit; take over.
        await takeOver({ lease_until_ms: nowMs + leaseMs });
        return { kind: 'claimed' };
      },
      { touchesRecords: false },
    );
  }

  async releaseIdempotencyKey(consumerId: string, key: string): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('consumer_id', '=', consumerId)
      .where('key', '=', key)
      .where('state', '=', 'running')
      .execute();
  }

  async deleteIdempotencyKeysBefore(createdBeforeMs: number): Promise<number> {
    const r = await this.db.deleteFrom('idempotency_keys').where('created_ms', '<', createdBeforeMs).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async claimDueDeliveries(nowMs: number, limit: number, leaseMs: number): Promise<Delivery[]> {
    // Idle most of the time: look before taking a write transaction.
    const any = await this.read
      .selectFrom('callback_deliveries')
      .select('id')
      .where('state', '=', 'pending')
      .where('next_attempt_ms', '<=', nowMs)
      .limit(1)
      .executeTakeFirst();
    if (!any) return [];
    return this.adapter.writeTransaction(
      async (trx) => {
        let due = trx
          .selectFrom('callback_deliveries')
          .select('id')
          .where('state', '=', 'pending')
          .where('next_attempt_ms', '<=', nowMs)
          .orderBy('next_attempt_ms')
          .limit(limit);
        // Several processes claim from one queue: each takes rows the others have not locked.
        if (this.adapter.lockRows) due = due.forUpdate().skipLocked();
        const ids = (await due.execute()).map((r) => r.id);
        if (ids.length === 0) return [];
        const rows = await trx
          .updateTable('callback_deliveries')
          .set((eb) => ({ next_attempt_ms: nowMs + leaseMs, attempts: eb('attempts', '+', 1) }))
          .where('id', 'in', ids)
          .returningAll()
          .execute();
        return rows.map(deliveryFromRow);
      },
      { touchesRecords: false },
    );
  }

  async finishDeliveryAttempt(attempt: DeliveryAttempt, outcome: DeliveryOutcome): Promise<void> {
    await this.adapter.writeTransaction(
      async (trx) => {
        await trx
          .insertInto('callback_attempts')
          .values({
            delivery_id: attempt.deliveryId,
            attempt: attempt.attempt,
            started_ms: attempt.startedMs,
            duration_ms: attempt.durationMs,
            status: attempt.status,
            error: attempt.error,
          })
          .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doNothing())
          .execute();
        await trx
          .updateTable('callback_deliveries')
          .set({
            state: outcome.state,
            next_attempt_ms: outcome.nextAttemptMs,
            finished_ms: outcome.state === 'pending' ? null : outcome.nextAttemptMs,
            last_status: attempt.status,
            last_error: attempt.error,
          })
          .where('id', '=', attempt.deliveryId)
          // A delivery stopped meanwhile (410 on another delivery to the URL) stays stopped.
          .where('state', '=', 'pending')
          .execute();
      },
      { touchesRecords: false },
    );
  }

  async stopDeliveriesTo(consumerId: string, url: string, nowMs: number): Promise<number> {
    const r = await this.db
      .updateTable('callback_deliveries')
      .set({ state: 'gone', finished_ms: nowMs, last_error: 'stopped: the URL answered 410 Gone' })
      .where('consumer_id', '=', consumerId)
      .where('url', '=', url)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async listDeliveries(filter: DeliveryFilter): Promise<Array<Delivery & { attemptList: DeliveryAttempt[] }>> {
    let q = this.read
      .selectFrom('callback_deliveries')
      .selectAll()
      .orderBy('created_ms', 'desc')
      .orderBy('id')
      .limit(Math.min(filter.limit ?? 100, 1000));
    if (filter.webhookId) q = q.where('id', '=', filter.webhookId);
    if (filter.consumerId) q = q.where('consumer_id', '=', filter.consumerId);
    if (filter.contractId) q = q.where('contract_id', '=', filter.contractId);
    if (filter.state) q = q.where('state', '=', filter.state);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    const deliveries = (await q.execute()).map(deliveryFromRow);
    if (deliveries.length === 0) return [];
    const attempts = await this.read
      .selectFrom('callback_attempts')
      .selectAll()
      .where(
        'delivery_id',
        'in',
        deliveries.map((d) => d.id),
      )
      .orderBy('attempt')
      .execute();
    return deliveries.map((d) => ({
      ...d,
      attemptList: attempts.filter((a) => a.delivery_id === d.id).map(attemptFromRow),
    }));
  }

  deleteFinishedDeliveriesBefore(createdBeforeMs: number): Promise<number> {
    return this.adapter.writeTransaction(
      async (trx) => {
        const old = trx
          .selectFrom('callback_deliveries')
          .select('id')
          .where('state', '!=', 'pending')
          .where('created_ms', '<', createdBeforeMs);
        await trx.deleteFrom('callback_attempts').where('delivery_id', 'in', old).execute();
        const r = await trx
          .deleteFrom('callback_deliveries')
          .where('state', '!=', 'pending')
          .where('created_ms', '<', createdBeforeMs)
          .executeTakeFirst();
        return Number(r.numDeletedRows);
      },
      { touchesRecords: false },
    );
  }

  async deliveryQueue(): Promise<{ pending: number; failed: number; nextDueMs: number | null }> {
    const rows = await this.read
      .selectFrom('callback_deliveries')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n'), eb.fn.min('next_attempt_ms').as('next')])
      .where('state', 'in', ['pending', 'failed'])
      .groupBy('state')
      .execute();
    const of = (state: string) => rows.find((r) => r.state === state);
    const next = of('pending')?.next;
    return {
      pending: Number(of('pending')?.n ?? 0),
      failed: Number(of('failed')?.n ?? 0),
      nextDueMs: next == null ? null : Number(next),
    };
  }

  syncRateCounts(
    deltas: ReadonlyArray<{ key: string; windowMs: number; delta: number }>,
    sinceWindowMs: number,
  ): Promise<Array<{ key: string; windowMs: number; count: number }>> {
    const read = async (db: Kysely<Database>) =>
      (await db.selectFrom('rate_limit_counts').selectAll().where('window_ms', '>=', sinceWindowMs).execute()).map(
        (r) => ({ key: r.key, windowMs: Number(r.window_ms), count: Number(r.count) }),
      );
    // Nothing to add (an idle process): reading the others' counts needs no transaction.
    if (deltas.length === 0) return read(this.read);
    return this.adapter.writeTransaction(
      async (trx) => {
        for (const d of deltas) {
          await trx
            .insertInto('rate_limit_counts')
            .values({ key: d.key, window_ms: d.windowMs, count: d.delta })
            .onConflict((oc) =>
              oc
                .columns(['key', 'window_ms'])
                .doUpdateSet((eb) => ({ count: eb('rate_limit_counts.count', '+', d.delta) })),
            )
            .execute();
        }
        await trx
          .deleteFrom('rate_limit_counts')
          .where('window_ms', '<', sinceWindowMs - 5 * 60_000)
          .execute();
        const rows = await trx
          .selectFrom('rate_limit_counts')
          .selectAll()
          .where('window_ms', '>=', sinceWindowMs)
          .execute();
        return rows.map((r) => ({ key: r.key, windowMs: Number(r.window_ms), count: Number(r.count) }));
      },
      { touchesRecords: false },
    );
  }

  async loadAuthState(): Promise<AuthState> {
    const [consumers, keys] = await Promise.all([
      this.read.selectFrom('consumers').selectAll().execute(),
      this.read.selectFrom('consumer_keys').selectAll().execute(),
    ]);
    return { consumers: consumers.map(consumerFromRow), keys: keys.map(keyFromRow) };
  }

  async listConsumers(): Promise<ConsumerRow[]> {
    const rows = await this.read.selectFrom('consumers').selectAll().orderBy('id').execute();
    return rows.map(consumerFromRow);
  }

  async consumer(id: string): Promise<ConsumerRow | undefined> {
    const row = await this.read.selectFrom('consumers').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? consumerFromRow(row) : undefined;
  }

  authRevision(): number | Promise<number> {
    return this.adapter.authRevision();
  }

  putBlob(bytes: Buffer) {
    return this.adapter.putBlob(bytes);
  }

  getBlob(sha256: string) {
    return this.adapter.getBlob(sha256);
  }

  insertApplication(row: ApplicationRow): Promise<boolean> {
    return this.transaction((tx) => tx.insertApplication(row));
  }

  async findApplication(
    by: { id: string } | { statusTokenHash: string } | { idempotencyKey: string },
  ): Promise<ApplicationRow | undefined> {
    let q = this.db.selectFrom('applications').selectAll();
    if ('id' in by) q = q.where('id', '=', by.id);
    else if ('statusTokenHash' in by) q = q.where('status_token_hash', '=', by.statusTokenHash);
    else q = q.where('idempotency_key', '=', by.idempotencyKey);
    const row = await q.executeTakeFirst();
    return row ? applicationFromRow(row) : undefined;
  }

  async listApplications(filter: { status?: ApplicationRow['status']; limit?: number } = {}) {
    let q = this.db
      .selectFrom('applications')
      .selectAll()
      .orderBy('created_ms', 'desc')
      .orderBy('id')
      .limit(Math.min(filter.limit ?? 500, 1000));
    if (filter.status) q = q.where('status', '=', filter.status);
    return (await q.execute()).map(applicationFromRow);
  }

  async updateApplication(id: string, change: ApplicationChange, expectedStatus?: ApplicationRow['status']) {
    let q = this.db.updateTable('applications').set(applicationChangeColumns(change)).where('id', '=', id);
    if (expectedStatus) q = q.where('status', '=', expectedStatus);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async putAdminSession(row: AdminSessionRow): Promise<void> {
    await this.db
      .insertInto('admin_sessions')
      .values({
        id_hash: row.idHash,
        csrf_token: row.csrfToken,
        created_ms: row.createdMs,
        expires_ms: row.expiresMs,
      })
      .execute();
  }

  async adminSession(idHash: string): Promise<AdminSessionRow | undefined> {
    const row = await this.db.selectFrom('admin_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row ? adminSessionFromRow(row) : undefined;
  }

  async deleteAdminSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('admin_sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteAdminSessionsBefore(expiresBeforeMs: number): Promise<number> {
    const r = await this.db.deleteFrom('admin_sessions').where('expires_ms', '<', expiresBeforeMs).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async ping(): Promise<void> {
    await this.read.selectFrom('meta').select('key').limit(1).execute();
  }

  close(): Promise<void> {
    return this.adapter.close();
  }
}
