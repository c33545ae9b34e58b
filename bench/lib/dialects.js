// The baselines: the server's own SQL, run directly on the database by the bench process.
// Each dialect answers the two queries the measured endpoints run (see KyselyStore.changedIds
// and KyselyStore.recordsByIds) and serializes the result the way the response needs it.
import { join } from 'node:path';

/** Ids of one consumer's contracts (`contract-id-list-updated` without `since`) as the JSON array
 * the response carries, written by the database, as KyselyStore.changedIds does. */
const IDS_SQL = {
  sqlite: 'select cast(json_group_array("id") as blob) as "ids" from "contracts" where "owner_id" in (?)',
  postgres: `select '[' || string_agg(to_json("id")::text, ',') || ']' as "ids" from "contracts" where "owner_id" in ($1)`,
};
/** The plain form, a row per id: what the server ran before; measured for reference. */
const ROW_PER_ID_SQL = 'select "id" from "contracts" where "owner_id" in (?)';
/** The JSON array of the contracts among ids, written by the database, as KyselyStore.recordsByIds does. */
const LIST_SQL = {
  sqlite:
    `select cast('[' || coalesce(group_concat(t."body", ',' order by r."key"), '') || ']' as blob) as "json"` +
    ` from json_each(?) as r cross join "contracts" as t on t."id" = r."value" where +t."owner_id" in (?)`,
  postgres:
    `select '[' || coalesce(string_agg(t."body", ',' order by r.ord), '') || ']' as "json"` +
    ` from unnest($1::text[]) with ordinality as r(id, ord) join "contracts" as t on t."id" = r.id where t."owner_id" in ($2)`,
};

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
      const list = db.prepare(LIST_SQL.sqlite).pluck();
      return {
        driver: `better-sqlite3 (SQLite ${db.prepare('select sqlite_version()').pluck().get()})`,
        async idList(consumerId) {
          return idsJson(ids.get(consumerId));
        },
        async idListRowPerId(consumerId) {
          return JSON.stringify(rowPerId.all(consumerId));
        },
        async list(consumerId, idList) {
          return list.get(JSON.stringify(idList), consumerId);
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
          const { rows } = await client.query(IDS_SQL.postgres, [consumerId]);
          return idsJson(rows[0].ids);
        },
        async idListRowPerId(consumerId) {
          const { rows } = await client.query(rowPerIdSql, [consumerId]);
          return JSON.stringify(rows.map((r) => r.id));
        },
        async list(consumerId, idList) {
          const { rows } = await client.query(LIST_SQL.postgres, [idList, consumerId]);
          // Sent as bytes, as the server does.
          return Buffer.from(rows[0].json);
        },
        async close() {
          await client.end();
        },
      };
    },
  },
};
