import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Store } from '@finum-sync/server';
import type { RecordType } from '@finum-sync/spec';
import { type TestDatabase, testRecord } from './server.js';

/** A record to write: updatedAt is the writing transaction's clock. */
export interface RecordSpec {
  type: RecordType;
  id: string;
  ownerId: string;
  fields?: Record<string, unknown>;
}

/**
 * A provider-side write transaction that stays open on demand: `begin` writes the records
 * and resolves with the transaction's clock once they are written but not committed;
 * `commit` lets it commit and resolves once it has.
 */
export interface InFlightWriter {
  readonly name: string;
  begin(records: RecordSpec[]): Promise<number>;
  commit(): Promise<void>;
  close(): Promise<void>;
}

const stored = (r: RecordSpec, nowMs: number) =>
  testRecord(r.type, r.ownerId, r.fields, { id: r.id, updatedMs: nowMs });

/** Writes and commits the records in one transaction of the store. */
export function writeRecords(store: Store, records: RecordSpec[]): Promise<void> {
  return store.transaction((tx) => tx.putRecords(records.map((r) => stored(r, tx.nowMs))));
}

/** A writer in this process, on the test server's own store. */
export function inProcessWriter(store: Store, name = 'in-process'): InFlightWriter {
  let release: (() => void) | undefined;
  let done: Promise<void> | undefined;
  return {
    name,
    begin(records) {
      return new Promise<number>((ready, fail) => {
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        done = store.transaction(async (tx) => {
          await tx.putRecords(records.map((r) => stored(r, tx.nowMs)));
          ready(tx.nowMs);
          await gate;
        });
        done.catch(fail);
      });
    },
    async commit() {
      release!();
      await done;
    },
    async close() {
      release?.();
      await done;
    },
  };
}

const SCRIPT = fileURLToPath(new URL('./in-flight-writer.mjs', import.meta.url));

/** A writer in another process on the same database (`DATA_DIR` / `DATABASE_URL`). */
export async function childProcessWriter(db: TestDatabase, name = 'child'): Promise<InFlightWriter> {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(process.execPath, [SCRIPT], {
    // DATABASE_URL of the caller's environment must not turn a SQLite test into a PostgreSQL one.
    env: { ...process.env, DATABASE_URL: '', ...db.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  async function next<K extends string>(key: K): Promise<Record<K, unknown>> {
    const { value, done } = await lines.next();
    if (done) throw new Error(`${name} exited: ${stderr}`);
    const message = JSON.parse(value) as Record<string, unknown>;
    if (!(key in message)) throw new Error(`${name}: expected ${key}, got ${value} ${stderr}`);
    return message as Record<K, unknown>;
  }
  const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
  await next('open');
  return {
    name,
    async begin(records) {
      send({ op: 'begin', records });
      return Number((await next('ready')).ready);
    },
    async commit() {
      send({ op: 'commit' });
      await next('committed');
    },
    async close() {
      if (child.exitCode === null) child.stdin.end(`${JSON.stringify({ op: 'close' })}\n`);
      await exited;
    },
  };
}
