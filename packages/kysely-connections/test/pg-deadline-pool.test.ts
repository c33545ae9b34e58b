import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deadlinePool, READ_TIMEOUT_MESSAGE } from '@finum-sync/kysely-connections';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { TEST_PG_URL } from '../../../test/helpers/postgres.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/pg-result-retention.mjs', import.meta.url));

/** The bytes V8 promoted to the old generation during the fixture's measured queries through `path`. */
async function promotedWhileQuerying(path: string): Promise<{ scavenges: number; promoted: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--trace-gc-nvp', FIXTURE, TEST_PG_URL, path], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const from = Number(/measured-from ([\d.]+)/.exec(stdout)?.[1]);
  expect(from).toBeGreaterThan(0);
  // "[pid:isolate]   1234 ms: pause=… gc=s … promoted=…": the scavenges after the warm-up.
  const scavenges = stdout
    .split('\n')
    .filter((line) => / gc=s /.test(line))
    .map((line) => ({
      at: Number(/\s([\d.]+) ms: /.exec(line)?.[1]),
      promoted: Number(/ promoted=(\d+)/.exec(line)?.[1]),
    }))
    .filter((s) => s.at >= from);
  return { scavenges: scavenges.length, promoted: scavenges.reduce((sum, s) => sum + s.promoted, 0) };
}

// Needs a PostgreSQL server only: the queries touch no table (no database of its own).
describe.each(inject('dialects').filter((d) => d === 'postgres'))('deadlinePool (%s)', () => {
  const pool = new pg.Pool({ connectionString: TEST_PG_URL, max: 2 });
  const queries = deadlinePool(pool, 300);
  afterAll(() => pool.end());

  it('answers, prepared statements included', async () => {
    const client = await queries.connect();
    try {
      expect((await client.query<{ n: number }>('select $1::int as n', [7])).rows).toEqual([{ n: 7 }]);
      const named = await client.query<{ n: number }>({ name: 'finum_test_named', text: 'select 8 as n' });
      expect(named).toMatchObject({ command: 'SELECT', rowCount: 1, rows: [{ n: 8 }] });
    } finally {
      client.release();
    }
  });

  it('rejects a query whose answer misses the deadline with pg’s own message, and drops its connection', async () => {
    const client = await queries.connect();
    const before = pool.totalCount;
    const started = Date.now();
    try {
      await expect(client.query('select pg_sleep(5)', [])).rejects.toThrow(READ_TIMEOUT_MESSAGE);
    } finally {
      client.release();
    }
    expect(Date.now() - started).toBeLessThan(4_000);
    // The connection may still be waiting for pg_sleep's answer: the pool must not hand it out again.
    expect(pool.totalCount).toBe(before - 1);
    const next = await queries.connect();
    try {
      expect((await next.query<{ n: number }>('select 1 as n', [])).rows).toEqual([{ n: 1 }]);
    } finally {
      next.release();
    }
  });

  /** Ends the backend of the connection that runs `sql` (seen in pg_stat_activity), once it runs. */
  const terminateWhenRunning = async (sql: string) => {
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    try {
      for (;;) {
        const { rows } = await admin.query(
          'select pg_terminate_backend(pid) as done from pg_stat_activity where query = $1 and pid <> pg_backend_pid()',
          [sql],
        );
        if (rows.length > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      await admin.end();
    }
  };

  it('fails a statement whose backend was ended, and drops that connection rather than handing it out again', async () => {
    // Handed out again, the connection failed the next statement too ("Connection terminated
    // unexpectedly") until pg noticed it had closed.
    const slow = new pg.Pool({ connectionString: TEST_PG_URL, max: 1 });
    // As the server does: a connection lost while idle is the pool's to drop, not an error of ours.
    slow.on('error', () => {});
    const lost = deadlinePool(slow, 0);
    try {
      const sql = 'select pg_sleep(5) as lost_by_query';
      // Expectations made at once: each rejection has its handler before it happens.
      const failed = expect(lost.query({ text: sql })).rejects.toThrow(/terminat/i);
      await terminateWhenRunning(sql);
      await failed;
      expect(slow.totalCount).toBe(0);
      const batchesSql = 'select pg_sleep(5) as lost_by_batches';
      const reading = expect(
        (async () => {
          for await (const _ of lost.rowBatches({ text: batchesSql }));
        })(),
      ).rejects.toThrow(/terminat/i);
      await terminateWhenRunning(batchesSql);
      await reading;
      expect(slow.totalCount).toBe(0);
      // The lost connections left the pool; a new one answers.
      expect((await lost.query<{ n: number }>({ text: 'select 3 as n' })).rows).toEqual([{ n: 3 }]);
    } finally {
      await slow.end();
    }
  });

  it('reads a statement’s rows in batches as they arrive, in order, all of them', async () => {
    const batches: number[][] = [];
    for await (const rows of queries.rowBatches<[number]>({
      text: 'select g from generate_series(1, 50000) as g order by g',
      rowMode: 'array',
    })) {
      batches.push(rows.map((row) => row[0]));
    }
    // 50,000 rows do not come in one read of the socket.
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(Array.from({ length: 50000 }, (_, i) => i + 1));
    expect(pool.idleCount).toBe(pool.totalCount);
  });

  it('throws a failure that comes after some batches, and gives the connection back', async () => {
    const seen: number[] = [];
    const reading = (async () => {
      for await (const rows of queries.rowBatches<{ g: number }>({
        text: 'select case when g < 40000 then g else 1 / (g - g) end as g from generate_series(1, 50000) as g',
      })) {
        for (const row of rows) seen.push(row.g);
      }
    })();
    await expect(reading).rejects.toThrow(/division by zero/);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(40000);
    expect((await queries.query<{ n: number }>({ text: 'select 4 as n' })).rows).toEqual([{ n: 4 }]);
  });

  it('waits for a statement left early to end before its connection goes back, idle', async () => {
    const one = new pg.Pool({ connectionString: TEST_PG_URL, max: 1 });
    const single = deadlinePool(one, 5_000);
    try {
      for await (const rows of single.rowBatches<{ g: number }>({
        text: 'select g from generate_series(1, 200000) as g',
      })) {
        expect(rows.length).toBeGreaterThan(0);
        break;
      }
      // The only connection is back and answers the next statement, not the rest of the last one.
      expect(one.totalCount).toBe(1);
      expect((await single.query<{ n: number }>({ text: 'select 5 as n' })).rows).toEqual([{ n: 5 }]);
    } finally {
      await one.end();
    }
  });

  it('ends reading at the deadline with pg’s own message and drops the connection', async () => {
    const before = pool.totalCount;
    const reading = (async () => {
      for await (const _ of queries.rowBatches({ text: 'select pg_sleep(5)' }));
    })();
    await expect(reading).rejects.toThrow(READ_TIMEOUT_MESSAGE);
    expect(pool.totalCount).toBeLessThan(Math.max(before, 1) + 1);
  });

  it('lets a query’s rows go at the next scavenge (pg’s promise API and query_timeout kept them for two)', async () => {
    // One after the other: each run's scavenges fall where its own allocations put them.
    const deadline = await promotedWhileQuerying('deadline');
    const promise = await promotedWhileQuerying('promise');
    const queryTimeout = await promotedWhileQuerying('query_timeout');
    for (const run of [deadline, promise, queryTimeout]) expect(run.scavenges).toBeGreaterThanOrEqual(5);
    // 200 queries of 0.5 MB of rows: what outlives two scavenges is promoted, megabytes of it.
    expect(promise.promoted).toBeGreaterThan(10_000_000);
    expect(queryTimeout.promoted).toBeGreaterThan(10_000_000);
    expect(deadline.promoted).toBeLessThan(1_000_000);
  }, 60_000);
});
