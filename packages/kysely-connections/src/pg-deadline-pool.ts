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
    async *rowBatches<R>(statement: pg.QueryConfig | pg.QueryArrayConfig) {
      const client = await connect();
      try {
        yield* client.rowBatches<R>(statement);
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
  /** {@link DeadlineClient.rowBatches} on a connection of its own, released once the statement is over. */
  rowBatches<R>(statement: pg.QueryConfig | pg.QueryArrayConfig): AsyncGenerator<R[], void, undefined>;
}

/** pg's `Query`, loaded when a statement's rows are first read as they come (pg is an optional peer). */
let queryClass: Promise<typeof pg.Query> | undefined;

export class DeadlineClient implements PostgresPoolClient {
  readonly #client: pg.PoolClient;
  readonly #readTimeoutMs: number;
  /**
   * Set when a statement of this checkout missed its deadline or lost its connection:
   * release() then destroys the connection instead of handing it out again.
   */
  #unusable: Error | undefined;

  constructor(client: pg.PoolClient, readTimeoutMs: number) {
    this.#client = client;
    this.#readTimeoutMs = readTimeoutMs;
    // A connection lost while checked out fails its statement (the caller gets that error) and
    // then emits `error` on the client, which pg's pool listens for only while the client is
    // idle: unheard, it was an uncaught exception that ended the process. The client is
    // dropped from the pool when it is released.
    client.on('error', () => {});
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
              this.#unusable = new Error(READ_TIMEOUT_MESSAGE);
              reject(this.#unusable);
            }, this.#readTimeoutMs)
          : undefined;
      this.#client.query(config, (error: Error | null, result: pg.QueryResult) => {
        clearTimeout(timer);
        if (error && endsConnection(error)) this.#unusable ??= error;
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

  /**
   * One statement's rows as they arrive: a batch for each read from the database's socket
   * (pg's `row` events; no result is kept), so that a caller can send them on while the rest
   * is still coming. Under the same deadline as `query`. A failure, also after some batches,
   * is thrown. A caller that stops early (`return()`) waits for the statement to end, its
   * remaining rows dropped, so that the connection goes back to the pool idle.
   * @example
   * for await (const rows of client.rowBatches<{ body: string }>({ name: 'bodies', text, values })) send(rows);
   */
  async *rowBatches<R>(statement: pg.QueryConfig | pg.QueryArrayConfig): AsyncGenerator<R[], void, undefined> {
    queryClass ??= import('pg').then((module) => module.default.Query);
    const Query = await queryClass;
    const query = new Query<R & pg.QueryResultRow>(statement);
    let batch: R[] = [];
    let dropping = false;
    let over = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const signal = () => {
      const resume = wake;
      wake = undefined;
      resume?.();
    };
    // The first row of a batch wakes the reader; it runs once pg has parsed the whole read.
    query.on('row', (row: R) => {
      if (dropping) return;
      batch.push(row);
      if (batch.length === 1) signal();
    });
    const finish = (error?: Error) => {
      if (error && endsConnection(error)) this.#unusable ??= error;
      failure ??= error;
      over = true;
      signal();
    };
    query.on('error', finish);
    query.on('end', () => finish());
    const timer =
      this.#readTimeoutMs > 0
        ? setTimeout(() => {
            finish(new Error(READ_TIMEOUT_MESSAGE));
          }, this.#readTimeoutMs)
        : undefined;
    this.#client.query(query);
    try {
      for (;;) {
        if (failure) throw failure;
        if (batch.length > 0) {
          const rows = batch;
          batch = [];
          yield rows;
        } else if (over) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      dropping = true;
      batch = [];
      while (!over) await new Promise<void>((resolve) => (wake = resolve));
      clearTimeout(timer);
    }
  }

  release(): void {
    const unusable = this.#unusable;
    this.#unusable = undefined;
    this.#client.release(unusable);
  }
}

/**
 * Whether a statement's failure leaves its connection unusable: anything but an error the
 * server reports for the statement alone (severity ERROR) — a FATAL one (the backend was
 * ended: `pg_terminate_backend`, a restart), the socket lost, our own deadline. Such a
 * connection handed out again failed the next statement too, before pg noticed it had closed.
 */
function endsConnection(error: Error): boolean {
  return (error as { severity?: unknown }).severity !== 'ERROR';
}
