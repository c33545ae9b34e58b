import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/** The message pg gives its own read timeout, kept so that callers (the server answers 503) see one error for both. */
export const READ_TIMEOUT_MESSAGE = 'Query read timeout';

/**
 * pg's pool as Kysely's `PostgresPool`, every query run through pg's callback API under a
 * read deadline of ours, in place of pg's promise API and its `query_timeout`.
 *
 * Why: both kept a query's result reachable well after it was used. Measured with
 * `--trace-gc-nvp` on the bench's 1,000-record list (0.56 MB of rows; BENCHMARKS.md,
 * "Result rows that outlived their request"): through pg's promise API, or under its
 * `query_timeout`, about 4 MB of rows survived two scavenges and were copied into the old
 * generation at every scavenge, with 4–8 ms pauses; through the callback API with a timer
 * of our own, none were, and the pauses stayed under 1.5 ms.
 *
 * A query that misses the deadline rejects with pg's own message, and its connection is
 * destroyed when it goes back to the pool: it may still be waiting for that answer.
 * `readTimeoutMs` 0: no deadline.
 *
 * @example
 * const pool = new pg.Pool({ connectionString, statement_timeout: 30_000 });
 * const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: deadlinePool(pool, 35_000) }) });
 */
export function deadlinePool(pool: pg.Pool, readTimeoutMs: number): DeadlinePool {
  const wrapped = new WeakMap<pg.PoolClient, DeadlineClient>();
  const connect = async () => {
    const client = await pool.connect();
    let deadlineClient = wrapped.get(client);
    if (!deadlineClient) {
      deadlineClient = new DeadlineClient(client, readTimeoutMs);
      wrapped.set(client, deadlineClient);
    }
    return deadlineClient;
  };
  return {
    connect,
    async query<R>(statement: pg.QueryConfig) {
      const client = await connect();
      try {
        return await client.query<R>(statement);
      } finally {
        client.release();
      }
    },
    end: () => pool.end(),
  };
}

export interface DeadlinePool extends PostgresPool {
  connect(): Promise<DeadlineClient>;
  /** One statement on a connection of its own, released after: `pg.Pool#query` under the deadline. */
  query<R>(statement: pg.QueryConfig): Promise<PostgresQueryResult<R>>;
}

export class DeadlineClient implements PostgresPoolClient {
  readonly #client: pg.PoolClient;
  readonly #readTimeoutMs: number;
  /** Set when a query of this checkout missed its deadline: release() then destroys the connection. */
  #timedOut: Error | undefined;

  constructor(client: pg.PoolClient, readTimeoutMs: number) {
    this.#client = client;
    this.#readTimeoutMs = readTimeoutMs;
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  /** A named (prepared) statement: `{ name, text, values }`. */
  query<R>(config: pg.QueryConfig): Promise<PostgresQueryResult<R>>;
  query<R>(
    statement: string | pg.QueryConfig | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Kysely reads through a cursor only when its dialect is given one (streamQuery); ours is not.
    if (typeof statement === 'object' && 'read' in statement) throw new Error('no cursor is configured');
    const config: pg.QueryConfig =
      typeof statement === 'string' ? { text: statement, values: parameters ? [...parameters] : [] } : statement;
    return new Promise((resolve, reject) => {
      const timer =
        this.#readTimeoutMs > 0
          ? setTimeout(() => {
              this.#timedOut = new Error(READ_TIMEOUT_MESSAGE);
              reject(this.#timedOut);
            }, this.#readTimeoutMs)
          : undefined;
      this.#client.query(config, (error: Error | null, result: pg.QueryResult) => {
        clearTimeout(timer);
        if (error) reject(error);
        else
          resolve({
            // pg types the command as any string; Kysely only compares it with its four names.
            command: result.command as PostgresQueryResult<R>['command'],
            rowCount: result.rowCount ?? 0,
            rows: result.rows as R[],
          });
      });
    });
  }

  release(): void {
    const timedOut = this.#timedOut;
    this.#timedOut = undefined;
    this.#client.release(timedOut);
  }
}
