import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@finum-sync/server';
import { describe, expect, inject, it } from 'vitest';
import { CLI, runCli } from '../../packages/cli/test/run-cli.js';
import { TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { spawnServer } from '../helpers/serve-process.js';
import { createTestConsumer, createTestDatabase, type DialectName, TEST_AUDIENCE } from '../helpers/server.js';

/**
 * Issue 15 item 3: `finum-sync import --watch <dir>` in a real child process applies the
 * `*.ndjson` files renamed into the directory, each once, moves them to done/ or failed/
 * with a report, leaves a file still being written (`.part`) alone — on the database, or
 * through a running server's back office.
 */

/** What the watcher prints for a file (JSON, stdout being a pipe). */
interface WatchLine {
  file: string;
  state: 'done' | 'failed';
  movedTo: string;
  report?: Record<string, number>;
  errors?: Array<{ line?: number; field: string; message: string }>;
}

interface Watcher {
  child: ChildProcess;
  /** The next line the watcher prints on stdout (one a file), parsed. */
  next(): Promise<WatchLine>;
  stderr(): string;
}

function startWatcher(args: string[], env: Record<string, string>): Promise<Watcher> {
  const child = spawn(process.execPath, [CLI, 'import', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  let buffer = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    buffer += text;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      if (/watching/.test(stderr)) {
        resolve({
          child,
          stderr: () => stderr,
          next: () =>
            new Promise((done, fail) => {
              const timer = setTimeout(() => fail(new Error(`no line from the watcher; stderr: ${stderr}`)), 60_000);
              const take = (line: string) => {
                clearTimeout(timer);
                done(JSON.parse(line) as WatchLine);
              };
              const ready = lines.shift();
              if (ready !== undefined) take(ready);
              else waiters.push(take);
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`the watcher exited (${code}): ${stderr}`)));
  });
}

const ndjson = (lines: object[]) => lines.map((l) => JSON.stringify(l)).join('\n');

/** Writes a file as a writer should: under a `.part` name, then renamed into place. */
function deliver(dir: string, name: string, content: string) {
  writeFileSync(join(dir, `${name}.part`), content);
  renameSync(join(dir, `${name}.part`), join(dir, name));
}

async function runWatchScenario(dialect: DialectName, remote: boolean) {
  const db = await createTestDatabase(dialect);
  const store: Store = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
  await createTestConsumer(store, TEST_AUDIENCE, 'watch-broker');
  const stored = (id: string) => store.transaction((tx) => tx.getRecord('client', id));
  const dir = mkdtempSync(join(tmpdir(), 'finum-import-watch-'));
  const server = remote ? await spawnServer({ ...db.env, ADMIN_TOKEN: TEST_ADMIN_TOKEN }) : undefined;
  const env: Record<string, string> = server
    ? { FINUM_SERVER_URL: server.url, FINUM_ADMIN_TOKEN: TEST_ADMIN_TOKEN }
    : { ...db.env, PUBLIC_URL: TEST_AUDIENCE };
  const watcher = await startWatcher(['--watch', dir, '--interval', '50'], env);
  try {
    const records = [
      { recordType: 'product', id: 'p-watch', name: 'Watched', category: 'other', requiredFields: [] },
      { recordType: 'client', id: 'cl-watch', consumerId: 'watch-broker', type: 'person', lastName: 'Watcher' },
    ];
    // A file still being written: never read.
    writeFileSync(join(dir, 'later.ndjson.part'), '{"recordType":"client","id":"cl-half"');
    deliver(dir, 'first.ndjson', ndjson(records));
    const first = await watcher.next();
    expect(first).toMatchObject({
      file: 'first.ndjson',
      state: 'done',
      report: { lines: 2, created: 2, updated: 0, unchanged: 0 },
    });
    expect(first.movedTo).toBe(join(dir, 'done', 'first.ndjson'));
    expect(JSON.parse(readFileSync(join(dir, 'done', 'first.ndjson.report.json'), 'utf8'))).toMatchObject({
      file: 'first.ndjson',
      state: 'done',
      report: { created: 2 },
    });
    expect((await stored('cl-watch'))?.data.lastName).toBe('Watcher');

    // A file with a wrong line: nothing of it applied, moved to failed/ with the errors.
    deliver(
      dir,
      'broken.ndjson',
      ndjson([
        { recordType: 'client', id: 'cl-ok', consumerId: 'watch-broker', type: 'person', lastName: 'Fine' },
        { recordType: 'contract', id: 'c-bad', consumerId: 'watch-broker' },
      ]),
    );
    const broken = await watcher.next();
    expect(broken).toMatchObject({ file: 'broken.ndjson', state: 'failed' });
    expect(broken.errors).toContainEqual({ line: 2, field: 'holderId', message: 'is required for a new contract' });
    expect(existsSync(join(dir, 'failed', 'broken.ndjson'))).toBe(true);
    expect(existsSync(join(dir, 'failed', 'broken.ndjson.report.json'))).toBe(true);
    expect(await stored('cl-ok')).toBeUndefined();

    // The same name again is a new file; the same records change nothing.
    deliver(dir, 'first.ndjson', ndjson(records));
    const again = await watcher.next();
    expect(again).toMatchObject({ file: 'first.ndjson', state: 'done', report: { unchanged: 2, created: 0 } });
    expect(again.movedTo).toBe(join(dir, 'done', 'first-2.ndjson'));

    // Each file was applied once; the partial one is still there, untouched.
    expect(readdirSync(dir).sort()).toEqual(['done', 'failed', 'later.ndjson.part']);
    expect(readdirSync(join(dir, 'done')).sort()).toEqual([
      'first-2.ndjson',
      'first-2.ndjson.report.json',
      'first.ndjson',
      'first.ndjson.report.json',
    ]);
    const exited = new Promise((resolve) => watcher.child.once('exit', (code) => resolve(code)));
    watcher.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    watcher.child.kill('SIGKILL');
    await server?.kill('SIGTERM');
    await store.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.concurrent('import --watch', () => {
  it.each(inject('dialects'))(
    'applies files as they arrive, once each, on the database (%s)',
    { timeout: 180_000 },
    (dialect) => runWatchScenario(dialect, false),
  );

  it('applies files as they arrive through a running server (--server)', { timeout: 180_000 }, () =>
    runWatchScenario('sqlite', true),
  );

  it('--once applies what is there, then exits 1 when a file was refused', { timeout: 120_000 }, async () => {
    const db = await createTestDatabase('sqlite');
    const dir = mkdtempSync(join(tmpdir(), 'finum-import-once-'));
    try {
      deliver(dir, 'a.ndjson', ndjson([{ recordType: 'product', id: 'p-once', name: 'Once', category: 'other' }]));
      deliver(dir, 'b.ndjson', '{"recordType":"nothing"}');
      const result = await runCli(['import', '--watch', dir, '--once', '--json'], { ...db.env });
      expect(result.code, result.stderr).toBe(1);
      const lines = result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => [l.file, l.state])).toEqual([
        ['a.ndjson', 'done'],
        ['b.ndjson', 'failed'],
      ]);
      expect(readdirSync(dir).sort()).toEqual(['done', 'failed']);
      const again = await runCli(['import', '--watch', dir, '--once'], { ...db.env });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toBe('');
    } finally {
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
