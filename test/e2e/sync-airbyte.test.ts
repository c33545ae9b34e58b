import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type Store } from '@finum-sync/server';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ServerProcess, spawnServer } from '../helpers/serve-process.js';
import {
  createTestConsumer,
  createTestDatabase,
  TEST_AUDIENCE,
  type TestConsumer,
  type TestDatabase,
  testRecord,
} from '../helpers/server.js';
import { runCli } from '../helpers/sync.js';

/**
 * `finum-sync airbyte …` speaks the Airbyte protocol: every message it prints validates
 * against the protocol's own JSON Schema (airbyte_protocol.yaml, v0, copied unchanged from
 * airbytehq/airbyte-protocol at 776eede, MIT), and a read given the STATE of the previous
 * read emits only what changed since.
 */
const PROTOCOL = parse(
  readFileSync(
    fileURLToPath(new URL('../../packages/sync/test/fixtures/airbyte_protocol.yaml', import.meta.url)),
    'utf8',
  ),
);
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema(PROTOCOL, 'airbyte');
const validMessage = ajv.getSchema('airbyte#/definitions/AirbyteMessage')!;

type Message = {
  type: string;
  record?: { stream: string; data: { id: string } };
  state?: { stream: { stream_descriptor: { name: string } } };
};

function messages(stdout: string): Message[] {
  const lines = stdout.trim().split('\n').filter(Boolean);
  return lines.map((line) => {
    const message = JSON.parse(line) as Message;
    if (!validMessage(message))
      throw new Error(`not an Airbyte message: ${line.slice(0, 300)}\n${ajv.errorsText(validMessage.errors)}`);
    return message;
  });
}

describe('finum-sync airbyte (Airbyte protocol source)', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let store: Store;
  let consumer: TestConsumer;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    server = await spawnServer({ ...db.env, RATE_LIMIT: '0' });
    store = await openStore({ databaseUrl: undefined, dataDir: db.dataDir });
    consumer = await createTestConsumer(store, TEST_AUDIENCE, 'airbyte');
    await store.transaction((tx) =>
      tx.putRecords([
        ...Array.from({ length: 30 }, (_, i) => testRecord('contract', 'airbyte', {}, { id: `ab-${i}` })),
        testRecord('product', '', { requiredFields: [] }, { id: 'ab-product' }),
      ]),
    );
    dir = mkdtempSync(join(tmpdir(), 'finum-airbyte-'));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        base_url: server.url,
        payload: { sub: 'airbyte', aud: TEST_AUDIENCE },
        private_key: consumer.privateKey,
      }),
    );
    const configured = (name: string, mode: string) => ({
      stream: { name, json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'] },
      sync_mode: mode,
      destination_sync_mode: 'append_dedup',
    });
    writeFileSync(
      join(dir, 'catalog.json'),
      JSON.stringify({ streams: [configured('contract', 'incremental'), configured('product', 'full_refresh')] }),
    );
  }, 120_000);
  afterAll(async () => {
    await server?.kill('SIGTERM');
    await store?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('spec, check and discover print valid protocol messages', async () => {
    const spec = await runCli(['airbyte', 'spec']);
    expect(messages(spec.stdout).map((m) => m.type)).toEqual(['SPEC']);
    const check = await runCli(['airbyte', 'check', '--config', join(dir, 'config.json')]);
    expect(messages(check.stdout)).toMatchObject([
      { type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } },
    ]);
    const discover = await runCli(['airbyte', 'discover']);
    const [catalog] = messages(discover.stdout) as unknown as [{ catalog: { streams: { name: string }[] } }];
    expect(catalog.catalog.streams.map((s) => s.name).sort()).toEqual([
      'client',
      'contract',
      'file',
      'product',
      'user',
    ]);
  });

  it('read emits RECORD and per-chunk STATE; a read with that state emits only the changes', async () => {
    const args = ['airbyte', 'read', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')];
    const first = await runCli(args);
    expect(first.code, first.stderr).toBe(0);
    const read1 = messages(first.stdout);
    const records = (m: Message[], stream: string) =>
      m.filter((x) => x.type === 'RECORD' && x.record!.stream === stream);
    expect(records(read1, 'contract')).toHaveLength(30);
    expect(records(read1, 'product').length).toBeGreaterThanOrEqual(1);
    // Checkpointed per chunk: window opened, each chunk, watermark advanced.
    const contractStates = read1.filter(
      (m) => m.type === 'STATE' && m.state!.stream.stream_descriptor.name === 'contract',
    );
    expect(contractStates.length).toBeGreaterThanOrEqual(3);
    expect(read1.some((m) => m.type === 'TRACE')).toBe(true);

    // The state Airbyte keeps: the last STATE message of each stream.
    const last = new Map<string, Message['state']>();
    for (const m of read1) if (m.type === 'STATE') last.set(m.state!.stream.stream_descriptor.name, m.state);
    writeFileSync(join(dir, 'state.json'), JSON.stringify([...last.values()]));

    await store.transaction((tx) =>
      tx.putRecords(
        ['ab-3', 'ab-7', 'ab-11'].map((id) =>
          testRecord('contract', 'airbyte', { statusNote: 'changed' }, { id, version: 2 }),
        ),
      ),
    );
    const second = await runCli([...args, '--state', join(dir, 'state.json')]);
    expect(second.code, second.stderr).toBe(0);
    const changed = records(messages(second.stdout), 'contract').map((m) => m.record!.data.id);
    expect(changed.sort()).toEqual(['ab-11', 'ab-3', 'ab-7']);
  });
});
