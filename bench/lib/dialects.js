// The baselines: the server's own SQL, run directly on the database by the bench process.
// Each dialect answers the two queries the measured endpoints run (see KyselyStore.changedIds
// and KyselyStore.recordsByIds) and serializes the result the way the response needs it.
import { join } from 'node:path';

/** Joins the ids in the database, as KyselyStore.changedIds does. */
const ID_SEPARATOR = '\u001f';
/** Ids of one consumer's contracts (`contract-id-list-updated` without `since`), per dialect. */
const IDS_SQL = {
  sqlite: 'select group_concat("id", ?) as "ids" from "contracts" where "owner_id" in (?)',
  postgres: 'select string_agg("id", $1) as "ids" from "contracts" where "owner_id" in ($2)',
};
/** The plain form, a row per id: what the server ran before; measured for reference. */
const ROW_PER_ID_SQL = 'select "id" from "contracts" where "owner_id" in (?)';
/** Contracts among ids by primary key; visibility is checked on the rows, as KyselyStore.recordsByIds does. */
const listSql = (n) =>
  `select "id", "owner_id", "body" from "contracts" where "id" in (${Array(n).fill('?').join(', ')})`;

const idsJson = (joined) => JSON.stringify(joined ? joined.split(ID_SEPARATOR) : []);

/** The visible bodies in the order of `ids`, joined into the JSON array the endpoint returns. */
function joinBodies(ids, rows, consumerId) {
  const byId = new Map();
  for (const r of rows) if (r.owner_id === consumerId) byId.set(r.id, r.body);
  const out = [];
  for (const id of ids) {
    const body = byId.get(id);
    if (body !== undefined) out.push(body);
  }
  return `[${out.join(',')}]`;
}

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
      const lists = new Map();
      return {
        driver: `better-sqlite3 (SQLite ${db.prepare('select sqlite_version()').pluck().get()})`,
        async idList(consumerId) {
          return idsJson(ids.get(ID_SEPARATOR, consumerId));
        },
        async idListRowPerId(consumerId) {
          return JSON.stringify(rowPerId.all(consumerId));
        },
        async list(consumerId, idList) {
          let statement = lists.get(idList.length);
          if (!statement) {
            statement = db.prepare(listSql(idList.length));
            lists.set(idList.length, statement);
          }
          return joinBodies(idList, statement.all(...idList), consumerId);
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
      return {
        driver: `pg (PostgreSQL ${version})`,
        async idList(consumerId) {
          const { rows } = await client.query(IDS_SQL.postgres, [ID_SEPARATOR, consumerId]);
          return idsJson(rows[0].ids);
        },
        async idListRowPerId(consumerId) {
          const { rows } = await client.query(rowPerIdSql, [consumerId]);
          return JSON.stringify(rows.map((r) => r.id));
        },
        async list(consumerId, idList) {
          const { rows } = await client.query(numbered(listSql(idList.length)), idList);
          return joinBodies(idList, rows, consumerId);
        },
        async close() {
          await client.end();
        },
      };
    },
  },
};
