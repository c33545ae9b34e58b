import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@finum-sync/server';
import { openMirror } from '@finum-sync/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApi, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { type ServerProcess, spawnServer } from '../helpers/serve-process.js';
import {
  createTestConsumer,
  createTestDatabase,
  TEST_AUDIENCE,
  type TestConsumer,
  type TestDatabase,
  testRecord,
} from '../helpers/server.js';
import { type CliRun, credentialFiles, spawnCli } from '../helpers/sync.js';

/** Resolves with the first match of `pattern` in what the stream prints from now on. */
function nextMatch(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (d: string) => {
      text += d;
      const match = pattern.exec(text);
      if (match) {
        stream.off('data', onData);
        resolve(match);
      }
    };
    stream.on('data', onData);
  });
}

/**
 * `finum-sync sync --watch --listen --metrics`: a verified callback syncs its contract at
 * once (long before the next round), a forged one is refused, and Prometheus metrics show
 * the lag and the records written.
 */
describe('a watching sync with callbacks and metrics', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let store: Store;
  let consumer: TestConsumer;
  let dir: string;
  let cli: CliRun | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    server = await spawnServer({
      ...db.env,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      ALLOW_PRIVATE_CALLBACKS: 'true',
      RATE_LIMIT: '0',
    });
    store = await openStore({ databaseUrl: undefined, dataDir: db.dataDir });
    consumer = await createTestConsumer(store, TEST_AUDIENCE, 'watcher');
    await store.transaction((tx) =>
      tx.putRecords([testRecord('contract', 'watcher', { status: 120 }, { id: 'c-watch-1' })]),
    );
    dir = mkdtempSync(join(tmpdir(), 'finum-watch-'));
  }, 120_000);
  afterAll(async () => {
    if (cli && cli.child.exitCode === null) cli.child.kill('SIGKILL');
    await server?.kill('SIGTERM');
    await store?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('syncs a contract when its callback arrives, refuses a forged one, serves metrics, stops on SIGTERM', async () => {
    const files = credentialFiles(consumer, TEST_AUDIENCE);
    const database = join(dir, 'mirror.db');
    cli = spawnCli([
      'sync',
      ...['--base-url', server.url, '--payload', files.payload, '--key', files.key, '--provider', 'watch'],
      ...['--database', database, '--watch', '1h', '--json'],
      ...['--listen', '127.0.0.1:0', '--callback-secret', consumer.callbackSecret, '--metrics', '127.0.0.1:0'],
    ]);
    const stderr = cli.child.stderr!;
    const [callbacks, metrics, firstRun] = await Promise.all([
      nextMatch(stderr, /callbacks on (http:\/\/\S+\/)/),
      nextMatch(stderr, /metrics on (http:\/\/\S+)/),
      nextMatch(cli.child.stdout!, /\n/),
    ]);
    expect(firstRun.input).toContain('"ok":true');

    // The consumer's standing callback URL points at the watching sync.
    await store.transaction(async (tx) => {
      const row = (await tx.getConsumer('watcher'))!;
      await tx.putConsumer({ ...row, callbackUrl: callbacks[1]! });
      await tx.bumpAuthRevision();
    });
    const synced = nextMatch(stderr, /c-watch-1: callback — updated/);
    const changed = await adminApi(server).post('/admin/api/contracts/c-watch-1/status', {
      status: 140,
      statusNote: 'declined',
    });
    expect(changed.status, changed.text).toBe(200);
    await synced;
    const mirror = await openMirror(database);
    try {
      const row = await mirror.db
        .selectFrom('contract')
        .selectAll()
        .where('id', '=', 'c-watch-1')
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.record as string)).toMatchObject({ status: 140, statusNote: 'declined' });
    } finally {
      await mirror.close();
    }

    const forged = await fetch(callbacks[1]!, {
      method: 'POST',
      headers: {
        'webhook-id': 'msg_x',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,AAAA',
      },
      body: JSON.stringify({ type: 'contract.status-changed', contractId: 'c-watch-1' }),
    });
    expect(forged.status).toBe(401);

    const scraped = await (await fetch(metrics[1]!)).text();
    expect(scraped).toMatch(/finum_sync_lag_seconds\{provider="watch",type="contract"\} \d/);
    expect(scraped).toMatch(/finum_sync_records_written_total\{provider="watch",type="contract",change="created"\} 1/);
    expect(scraped).toMatch(/finum_sync_mirror_records\{provider="watch",type="contract"\} 1/);

    cli.child.kill('SIGTERM');
    expect((await cli.done).code).toBe(0);
  });
});
