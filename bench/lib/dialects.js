// The baselines, run directly on the database by the bench process: the raw query each endpoint
// needs plus its JSON serialization (the baseline), and, for reference, the server's own
// SQL (see KyselyStore.changedIds and KyselyStore.recordsByIds; on SQLite the database writes
// the JSON itself).
import { join } from 'node:path';
import { idsJsonAggregate, jsonArrayBytes, recordsByIdsQuery } from '@finum-sync/server/internal';

/** Ids of one consumer's contracts (`contract-id-list-updated` without `since`) as the JSON array
 * the response carries, written by the database, as KyselyStore.changedIds does. */
const IDS_SQL = {
  sqlite: `select ${idsJsonAggregate('sqlite')} as "ids" from "contracts" where "owner_id" in (?)`,
  // Its ids need no idsJsonExact.
  postgres: `select ${idsJsonAggregate('postgres')} as "ids" from "contracts" where "owner_id" in ($1)`,
};
/** The raw query of the id list: a row per id. */
const ROW_PER_ID_SQL = 'select "id" from "contracts" where "owner_id" in (?)';
/** The raw query of the list: the stored record texts by primary key, visibility checked on the rows. */
const rawListSql = (n) =>
  `select "id", "owner_id", "body" from "contracts" where "id" in (${Array(n).fill('?').join(', ')})`;

/** The visible bodies in the order of `ids`. */
function visibleBodies(ids, rows, consumerId) {
  const byId = new Map();
  for (const r of rows) if (r.owner_id === consumerId) byId.set(r.id, r.body);
  const out = [];
  for (const id of ids) {
    const body = byId.get(id);
    if (body !== undefined) out.push(body);
  }
  return out;
}
/** The visible bodies joined into the JSON array the endpoint returns (the baseline: a string). */
const joinBodies = (ids, rows, consumerId) => `[${visibleBodies(ids, rows, consumerId).join(',')}]`;
/** The same array as UTF-8 bytes, written as the server writes it (jsonArrayBytes): a reference. */
const bodiesBytes = (ids, rows, consumerId) => jsonArrayBytes(visibleBodies(ids, rows, consumerId));
/** The response's bytes from the JSON the database wrote (text on PostgreSQL: encoded, as the server does). */
const jsonBytes = (json) => (typeof json === 'string' ? Buffer.from(json) : json);

/** The server's own statement of `contract-list?id-list=` (recordsByIdsQuery): looked up by owner and id together. */
const listQuery = (dialect, consumerId, idList) => recordsByIdsQuery(dialect, 'contract', [consumerId], idList);

export const DIALECTS = {
  sqlite: {
    /** Environment of the server and the seed on this data set. */
    env: (dataset) => ({ DATA_DIR: dataset.dir }),
    async prepare() {},
    async baseline(dataset) {
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(join(dataset.dir, 'finum-sync.db'), { readonly: true });
      const ids = db.prepare(IDS_SQL.sqlite).pluck();
      const rowPerId = db.prepare(ROW_PER_ID_SQL).pluck();
      // The statement's text is the same for any ids (they are one JSON parameter).
      const list = db.prepare(listQuery('sqlite', '', []).sql).pluck();
      const rawLists = new Map();
      const rawList = (n) => {
        let statement = rawLists.get(n);
        if (!statement) {
          statement = db.prepare(rawListSql(n));
          rawLists.set(n, statement);
        }
        return statement;
      };
      return {
        driver: `better-sqlite3 (SQLite ${db.prepare('select sqlite_version()').pluck().get()})`,
        async idList(consumerId) {
          return JSON.stringify(rowPerId.all(consumerId));
        },
        async idListServerSql(consumerId) {
          return jsonBytes(ids.get(consumerId));
        },
        async list(consumerId, idList) {
          return joinBodies(idList, rawList(idList.length).all(...idList), consumerId);
        },
        async listBytes(consumerId, idList) {
          return bodiesBytes(idList, rawList(idList.length).all(...idList), consumerId);
        },
        async listServerSql(consumerId, idList) {
          return list.get(...listQuery('sqlite', consumerId, idList).parameters);
        },
        async close() {
          db.close();
        },
      };
    },
  },

  postgres: {
    env: (dataset) => ({ DATA_DIR: dataset.dir, DATABASE_URL: dataset.databaseUrl }),
    /** Creates the data set's own database (named after its parameters) when it is missing. */
    async prepare(dataset, adminUrl) {
      const { default: pg } = await import('pg');
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        const name = new URL(dataset.databaseUrl).pathname.slice(1);
        const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
        if (rowCount === 0) await admin.query(`create database ${name}`);
      } finally {
        await admin.end();
      }
    },
    async drop(dataset, adminUrl) {
      const { default: pg } = await import('pg');
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`drop database if exists ${new URL(dataset.databaseUrl).pathname.slice(1)} with (force)`);
      await admin.end();
    },
    async baseline(dataset) {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: dataset.databaseUrl });
      await client.connect();
      const version = (await client.query('show server_version')).rows[0].server_version;
      const numbered = (sql) => {
        let i = 0;
        return sql.replace(/\?/g, () => `$${++i}`);
      };
      const rowPerIdSql = numbered(ROW_PER_ID_SQL);
      // pg's callback API, as the server queries (@finum-sync/kysely-connections): through pg's promise API the
      // result rows outlived their query (BENCHMARKS.md, "Result rows that outlived their
      // request"), and this process's own collections then landed in the server's timings too.
      const query = (text, values) =>
        new Promise((resolve, reject) => client.query(text, values, (e, r) => (e ? reject(e) : resolve(r))));
      return {
        driver: `pg (PostgreSQL ${version})`,
        async idList(consumerId) {
          const { rows } = await query(rowPerIdSql, [consumerId]);
          return JSON.stringify(rows.map((r) => r.id));
        },
        async idListServerSql(consumerId) {
          const { rows } = await query(IDS_SQL.postgres, [consumerId]);
          return jsonBytes(rows[0].ids);
        },
        async list(consumerId, idList) {
          const { rows } = await query(numbered(rawListSql(idList.length)), idList);
          return joinBodies(idList, rows, consumerId);
        },
        async listBytes(consumerId, idList) {
          const { rows } = await query(numbered(rawListSql(idList.length)), idList);
          return bodiesBytes(idList, rows, consumerId);
        },
        async listServerSql(consumerId, idList) {
          // In one piece: the server sends a piece for each read of rows from the socket.
          const { sql, parameters } = listQuery('postgres', consumerId, idList);
          const { rows } = await query(sql, parameters);
          return jsonArrayBytes(rows.map((r) => r.body));
        },
        async close() {
          await client.end();
        },
      };
    },
  },
};
