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
