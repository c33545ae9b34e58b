import type { RecordType } from '@finum-sync/spec';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { PUBLIC_OWNER, type RecordRow, type RecordStore, type RecordTx, type StoredRecord } from '../port.js';
import { type Database, FIELD_COLUMNS, INDEXED_FIELDS, RECORD_TABLES, type RecordColumns } from '../schema.js';
import { BOOKKEEPING, compiled, locked, type StoreContext, type TxContext } from './context.js';
import type { IndexDefinition } from './dialect.js';

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

/** The table row of a record. */
function rowOfRecord(record: StoredRecord): RecordRow {
  const { type, id, ownerId, version, createdMs, updatedMs, deleted, data } = record;
  return { type, id, ownerId, version, createdMs, updatedMs, deleted, body: JSON.stringify(data), fields: data };
}

/** Ids per `where id in (…)` query of getRecords(). */
const ID_CHUNK = 500;

/** The columns every record table has, in the order putRecords() binds them. */
const RECORD_COLUMNS = ['id', 'owner_id', 'version', 'created_ms', 'updated_ms', 'deleted', 'body'];

/** Parameters of one multi-row INSERT: inside SQLite's (32,766) and PostgreSQL's (65,535) limits. */
const MAX_PARAMETERS = 30_000;

/** Each id once: an id asked for twice would join its row twice. */
const unique = (ids: readonly string[]) => [...new Set(ids)];

/** A character JSON writes escaped (see DialectAdapter.idsJsonExact). */
const CONTROL_CHARACTER = /[\u0000-\u001f]/;

/** The `meta` key under which suspendRecordIndexes() keeps the indexes it dropped. */
const SUSPENDED_INDEXES = 'suspended_record_indexes';

/** `create index if not exists …` of a catalog's `create index …`: building it twice is harmless. */
const ifNotExists = (statement: string) =>
  statement.replace(
    /^\s*create\s+(unique\s+)?index\s+(?!if\s+not\s+exists\b)/i,
    (_, unique = '') => `CREATE ${unique.toUpperCase()}INDEX IF NOT EXISTS `,
  );

async function suspendedIndexes(c: StoreContext, trx: Kysely<Database>): Promise<IndexDefinition[]> {
  const row = await locked(
    c.adapter,
    trx.selectFrom('meta').select('value').where('key', '=', SUSPENDED_INDEXES),
  ).executeTakeFirst();
  return row ? (JSON.parse(row.value) as IndexDefinition[]) : [];
}

/** Builds the indexes suspendRecordIndexes() dropped, if any (at open: a bulk load killed before it built them). */
export async function restoreRecordIndexes(c: StoreContext): Promise<void> {
  // Almost always nothing to do: a read, not a write transaction at every start.
  const suspended = await c.read
    .selectFrom('meta')
    .select('key')
    .where('key', '=', SUSPENDED_INDEXES)
    .executeTakeFirst();
  if (!suspended) return;
  await c.adapter.writeTransaction(async (trx) => {
    // Locked on PostgreSQL: a second process starting now waits, then finds nothing to do.
    const dropped = await suspendedIndexes(c, trx);
    for (const index of dropped) await sql.raw(ifNotExists(index.sql)).execute(trx);
    if (dropped.length > 0) await trx.deleteFrom('meta').where('key', '=', SUSPENDED_INDEXES).execute();
  }, BOOKKEEPING);
}

/** Records as consumers read them. */
export function recordStore(c: StoreContext): RecordStore {
  const { adapter, read } = c;
  const inPieces = adapter.recordsByIdsInPieces;
  return {
    readsHoldTheEventLoop: adapter.readsHoldTheEventLoop,

    recordsByIds(type, consumerId, ids) {
      return adapter.recordsByIds(RECORD_TABLES[type], visibleOwners(type, consumerId), unique(ids));
    },

    ...(inPieces
      ? {
          recordsByIdsInPieces: (type: RecordType, consumerId: string, ids: readonly string[]) =>
            inPieces(RECORD_TABLES[type], visibleOwners(type, consumerId), unique(ids)),
        }
      : {}),

    async recordsByField(type, consumerId, field, value) {
      const column = FIELD_COLUMNS[field];
      if (!column) throw new Error(`${type} records cannot be filtered by ${field}`);
      const row = await read
        .selectFrom(RECORD_TABLES[type])
        .select(adapter.bodiesJson.as('json'))
        .where(column as never, '=', value as never)
        .where('owner_id', 'in', visibleOwners(type, consumerId))
        .executeTakeFirst();
      return row?.json ?? '[]';
    },

    async changedIds(type, consumerId, sinceMs) {
      const clock = await adapter.syncClock();
      // The database writes the JSON array itself: a row (an object) per id, or splitting and
      // stringifying them here, costs more than the query when there are tens of thousands.
      const idsJson = async (aggregate: typeof adapter.idsJson) => {
        let q = read
          .selectFrom(RECORD_TABLES[type])
          .select(aggregate.as('ids'))
          .where('owner_id', 'in', visibleOwners(type, consumerId));
        if (sinceMs !== undefined) q = q.where('updated_ms', '>=', sinceMs);
        return (await q.executeTakeFirst())?.ids ?? '[]';
      };
      let ids = await idsJson(adapter.idsJson);
      // 0.4 ms for 50,000 ids; true only for ids no SPEC id is (ID_PATTERN).
      if (adapter.idsJsonExact && typeof ids === 'string' && CONTROL_CHARACTER.test(ids)) {
        ids = await idsJson(adapter.idsJsonExact);
      }
      const untilMs = clock.oldestWriteMs === null ? clock.nowMs : Math.min(clock.nowMs, clock.oldestWriteMs);
      return { idsJson: ids, untilMs };
    },

    async visibleRecord(type, consumerId, id) {
      const row = await read
        .selectFrom(RECORD_TABLES[type])
        .selectAll()
        .where('id', '=', id)
        .where('owner_id', 'in', visibleOwners(type, consumerId))
        .executeTakeFirst();
      return row ? fromRow(type, row as SelectedRow) : undefined;
    },

    async contractsByStatus(statuses, options = {}) {
      let q = read
        .selectFrom('contracts')
        .selectAll()
        .where('status', 'in', statuses as number[])
        .where('deleted', '=', 0)
        .orderBy('updated_ms')
        .limit(options.limit ?? 1000);
      if (options.ownerId !== undefined) q = q.where('owner_id', '=', options.ownerId);
      const rows = await q.execute();
      return rows.map((r) => fromRow('contract', r as SelectedRow));
    },

    async suspendRecordIndexes() {
      await adapter.writeTransaction(async (trx) => {
        const dropped = await suspendedIndexes(c, trx);
        const live = await adapter.recordIndexes(trx, Object.values(RECORD_TABLES));
        const all = [...dropped.filter((d) => !live.some((l) => l.name === d.name)), ...live];
        await trx
          .insertInto('meta')
          .values({ key: SUSPENDED_INDEXES, value: JSON.stringify(all) })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(all) }))
          .execute();
        for (const index of live) await sql`drop index ${sql.id(index.name)}`.execute(trx);
      }, BOOKKEEPING);
      return async () => {
        await adapter.settleBulkLoad?.();
        await restoreRecordIndexes(c);
        await adapter.finishBulkLoad?.(Object.values(RECORD_TABLES));
      };
    },
  };
}

/** Records inside a write transaction. */
export function recordTx(t: TxContext): RecordTx {
  const { trx, adapter } = t;

  /**
   * The multi-row upsert of `count` rows, compiled by Kysely for this dialect once and then
   * reused: building and compiling a query of thousands of values costs more than running it.
   */
  const upsertSql = (type: RecordType, columns: string[], count: number): string =>
    compiled(adapter, `upsert:${type}:${columns.join(',')}:${count}`, () => {
      const placeholder = Object.fromEntries(columns.map((c) => [c, 0]));
      const query = trx
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

  const putRecordRows = async (records: readonly RecordRow[]): Promise<void> => {
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
      if (adapter.upsertRows) {
        adapter.upsertRows(RECORD_TABLES[type], columns, list.map(rowOf));
        continue;
      }
      const chunk = Math.floor(MAX_PARAMETERS / columns.length);
      for (let start = 0; start < list.length; start += chunk) {
        const end = Math.min(list.length, start + chunk);
        // Straight into one parameter array, in the order of the compiled statement.
        const parameters = list.slice(start, end).flatMap(rowOf);
        await trx.executeQuery(CompiledQuery.raw(upsertSql(type, columns, end - start), parameters));
      }
    }
  };

  return {
    async getRecord(type, id) {
      const row = await locked(
        adapter,
        trx.selectFrom(RECORD_TABLES[type]).selectAll().where('id', '=', id),
      ).executeTakeFirst();
      return row ? fromRow(type, row as SelectedRow) : undefined;
    },

    async getRecords(type, ids) {
      const out = new Map<string, StoredRecord>();
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const chunk = trx
          .selectFrom(RECORD_TABLES[type])
          .selectAll()
          .where('id', 'in', ids.slice(i, i + ID_CHUNK) as string[]);
        for (const row of await locked(adapter, chunk).execute()) out.set(row.id, fromRow(type, row as SelectedRow));
      }
      return out;
    },

    putRecord: (record) => putRecordRows([rowOfRecord(record)]),
    putRecords: (records) => putRecordRows(records.map(rowOfRecord)),
    putRecordRows,

    async recordsWhere(type, field, value) {
      const column = FIELD_COLUMNS[field]!;
      const rows = await trx
        .selectFrom(RECORD_TABLES[type])
        .selectAll()
        .where(column as never, '=', value as never)
        .orderBy('id')
        .execute();
      return rows.map((r) => fromRow(type, r as SelectedRow));
    },
  };
}
