import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@finum-sync/server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createTestConsumer,
  createTestDatabase,
  TEST_AUDIENCE,
  type TestDatabase,
} from '../../../test/helpers/server.js';
import { runCli, runCliJson } from './run-cli.js';

/** The provider's back office on the command line (issue 3): import, status, attach, awaiting, deliveries. */
describe.each(inject('dialects'))('back-office commands on %s', (dialect) => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    env = { ...db.env, PUBLIC_URL: TEST_AUDIENCE, ALLOW_PRIVATE_CALLBACKS: 'true' };
    dir = mkdtempSync(join(tmpdir(), 'finum-cli-office-'));
    store = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    await createTestConsumer(store, TEST_AUDIENCE, 'office');
    await store.transaction(async (tx) => {
      await tx.putConsumer({ ...(await tx.getConsumer('office'))!, callbackUrl: 'http://127.0.0.1:9/callbacks' });
    });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('imports NDJSON, sets a status, attaches a document, lists what waits and the deliveries', async () => {
    const lines = [
      { recordType: 'product', id: 'p-cli', name: 'CLI Produkt', category: 'other', requiredFields: [] },
      { recordType: 'client', id: 'cl-cli', consumerId: 'office', type: 'person', lastName: 'Kommandozeile' },
      {
        recordType: 'contract',
        id: 'c-cli',
        consumerId: 'office',
        holderId: 'cl-cli',
        productId: 'p-cli',
        status: 120,
      },
    ];
    const report = await runCliJson<Record<string, number>>(
      ['import', '--file', file('records.ndjson', lines.map((l) => JSON.stringify(l)).join('\n'))],
      env,
    );
    expect(report).toMatchObject({ lines: 3, created: 3, updated: 0, unchanged: 0 });

    const awaiting = await runCliJson<Array<{ id: string }>>(['contract', 'awaiting', '--consumer', 'office'], env);
    expect(awaiting.map((c) => c.id)).toEqual(['c-cli']);

    const pdf = Buffer.from('%PDF-1.4\n% proposal from the command line\n%%EOF\n');
    const attached = await runCliJson<{ file: Record<string, unknown>; contract: Record<string, unknown> }>(
      [
        'contract',
        'attach',
        '--id',
        'c-cli',
        '--file',
        file('proposal.pdf', pdf),
        '--category',
        'proposal',
        '--proposal',
      ],
      env,
    );
    expect(attached.file).toMatchObject({
      contractId: 'c-cli',
      mimeType: 'application/pdf',
      size: pdf.length,
      name: 'proposal.pdf',
    });
    expect(attached.contract.proposalFileId).toBe(attached.file.id);

    const proposed = await runCliJson<Record<string, unknown>>(
      ['contract', 'status', '--id', 'c-cli', '--status', '130', '--note', 'Proposal ready'],
      env,
    );
    expect(proposed).toMatchObject({ status: 130, statusNote: 'Proposal ready', proposalFileId: attached.file.id });
    expect(await runCliJson(['contract', 'awaiting', '--consumer', 'office'], env)).toEqual([]);

    // The status change went to the outbox, for the consumer's standing callback URL.
    const deliveries = await runCliJson<Array<Record<string, unknown>>>(['deliveries', '--contract', 'c-cli'], env);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      kind: 'standing',
      state: 'pending',
      payload: { contractId: 'c-cli', status: 130, previousStatus: 120 },
    });
  });

  it('reads the NDJSON and a document from standard input with --file -', async () => {
    const line = { recordType: 'client', id: 'cl-stdin', consumerId: 'office', type: 'person', lastName: 'Eingabe' };
    const imported = await runCli(['import', '--file', '-', '--json'], env, undefined, `${JSON.stringify(line)}\n`);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ lines: 1, created: 1 });

    const pdf = Buffer.from('%PDF-1.4\n% piped in\n%%EOF\n');
    const args = ['contract', 'attach', '--id', 'c-cli', '--file', '-', '--category', 'correspondence'];
    const unnamed = await runCli(args, env, undefined, pdf);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toMatch(/--name/);
    const attached = await runCli([...args, '--name', 'letter.pdf'], env, undefined, pdf);
    expect(attached.code, attached.stderr).toBe(0);
    expect(JSON.parse(attached.stdout).file).toMatchObject({ name: 'letter.pdf', size: pdf.length });
  });

  it('refuses bad input with a clear message and exit code 2, writing nothing', async () => {
    const badLine = { recordType: 'client', id: 'cl-bad', consumerId: 'office', type: 'person', lastName: 5 };
    const bad = file('bad.ndjson', `${JSON.stringify(badLine)}\nnot json\n`);
    const imported = await runCli(['import', '--file', bad], env);
    expect(imported.code).toBe(2);
    expect(imported.stderr).toMatch(/line 1: lastName must be of type string/);
    expect(imported.stderr).toMatch(/line 2: not valid JSON/);
    expect(imported.stderr).not.toMatch(/\n\s+at /);
    expect(await store.visibleRecord('client', 'office', 'cl-bad')).toBeUndefined();

    const unknown = await runCli(['contract', 'status', '--id', 'c-none', '--status', '320'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No contract with id c-none/);
    const wrongStatus = await runCli(['contract', 'status', '--id', 'c-cli', '--status', '999'], env);
    expect(wrongStatus.code).toBe(2);
    expect(wrongStatus.stderr).toMatch(/999 is not a status/);
    expect((await runCli(['deliveries', '--state', 'lost'], env)).code).toBe(2);
    expect((await runCli(['import', '--file', join(dir, 'missing.ndjson')], env)).stderr).toMatch(/cannot read/);
  });
});
