import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@finum-sync/server';
import { type MirrorStore, openMirror } from '@finum-sync/sync';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { HttpProxy } from '../helpers/http-proxy.js';
import { createPgDatabase } from '../helpers/postgres.js';
import { type ServerProcess, spawnServer } from '../helpers/serve-process.js';
import {
  createTestConsumer,
  createTestDatabase,
  fetchParsed,
  TEST_AUDIENCE,
  type TestConsumer,
  type TestDatabase,
  testRecord,
} from '../helpers/server.js';
import { credentialFiles, mirrorDrift, runCli, spawnCli } from '../helpers/sync.js';
import { waitFor } from '../helpers/wait-for.js';

/** A provider server process with its own database, a consumer and its credential files. */
interface Provider {
  db: TestDatabase;
  server: ServerProcess;
  store: Store;
  consumer: TestConsumer;
  files: { payload: string; key: string };
  close(): Promise<void>;
}

async function startProvider(consumerId: string): Promise<Provider> {
  const db = await createTestDatabase('sqlite');
  const server = await spawnServer({ ...db.env, ADMIN_TOKEN: TEST_ADMIN_TOKEN, RATE_LIMIT: '0' });
  const store = await openStore({ databaseUrl: undefined, dataDir: db.dataDir });
  const consumer = await createTestConsumer(store, TEST_AUDIENCE, consumerId);
  return {
    db,
    server,
    store,
    consumer,
    files: credentialFiles(consumer, TEST_AUDIENCE),
    async close() {
      await server.kill('SIGTERM');
      await store.close();
      await db.drop();
    },
  };
}

const contracts = (owner: string, n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => testRecord('contract', owner, {}, { id: `c-${owner}-${from + i}` }));

async function mirrorTarget(dialect: 'sqlite' | 'postgres'): Promise<{ target: string; drop: () => Promise<void> }> {
  if (dialect === 'postgres') {
    const pg = await createPgDatabase();
    return { target: pg.url, drop: pg.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'finum-mirror-'));
  return { target: join(dir, 'mirror.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

const syncArgs = (p: Provider, url: string, name: string, database: string, extra: string[] = []) => [
  'sync',
  ...['--base-url', url, '--payload', p.files.payload, '--key', p.files.key],
  ...['--provider', name, '--database', database],
  ...extra,
];

describe.each(inject('dialects'))('sync operations on a %s mirror', (dialect) => {
  let provider: Provider;
  let proxy: HttpProxy;
  let target: string;
  let dropMirror: () => Promise<void>;
  let mirror: MirrorStore;

  beforeAll(async () => {
    provider = await startProvider('ops');
    proxy = await new HttpProxy(provider.server.url).start();
    ({ target, drop: dropMirror } = await mirrorTarget(dialect));
    mirror = await openMirror(target);
  }, 120_000);
  afterAll(async () => {
    await mirror?.close();
    await proxy?.stop();
    await provider?.close();
    await dropMirror?.();
  });

  it('a run killed inside a window: the next run does not list it again and fetches only the unfinished chunks', async () => {
    await provider.store.transaction((tx) => tx.putRecords(contracts('ops', 40)));
    // Chunks of 2 ids in the listing's order, 8 fetched at once (the default) and written in one
    // transaction: the proxy answers the list calls of the first batch (the first 16 listed ids)
    // and holds every other, so the process stops inside the window with 8 of 20 chunks written.
    // Decided by the ids, not by the calls' arrival: the second batch is fetched ahead while the
    // first is answered and written, so its calls can arrive among the first batch's.
    const listing = await fetchParsed(`${provider.server.url}/v1/contract-id-list-updated`, {
      headers: await provider.consumer.headers(),
    });
    const firstBatch = new Set((listing.body as string[]).slice(0, 16));
    proxy.behaviour = (path, query) =>
      path.endsWith('/contract-list') && !(query.get('id-list') ?? '').split(',').every((id) => firstBatch.has(id))
        ? { kind: 'hang' }
        : { kind: 'pass' };
    let killedWindow: { until: string } | undefined;
    try {
      const cli = spawnCli(syncArgs(provider, proxy.url, 'ops', target, ['--types', 'contract', '--chunk-size', '2']));
      // Once a second-batch call is held, the first batch's commit still lands (it does not wait
      // for it); then the kill.
      await Promise.race([proxy.holding, cli.done]);
      await waitFor(
        async () => (await mirror.status('ops'))[0]?.pendingChunks === 12,
        'the first batch of the window to be committed',
      );
      cli.child.kill('SIGKILL');
      const killed0 = await cli.done;
      expect(killed0.signal, killed0.stderr).toBe('SIGKILL');
      const [killed] = await mirror.status('ops');
      killedWindow = (await mirror.readStream('ops', 'contract')).window?.window;
      expect(killed).toMatchObject({ type: 'contract', watermark: null, pendingChunks: 12, records: 16 });
    } finally {
      // Whatever happened above, the tests after this one get a proxy that passes everything.
      proxy.behaviour = () => ({ kind: 'pass' });
    }

    proxy.requests.length = 0;
    const resumed = await runCli(syncArgs(provider, proxy.url, 'ops', target, ['--types', 'contract', '--json']));
    expect(resumed.code, resumed.stderr).toBe(0);
    // The window is not listed again: the one listing is since its watermark, after it was closed.
    const listings = proxy.requests.filter((r) => r.path.endsWith('/contract-id-list-updated'));
    expect(listings).toHaveLength(1);
    expect(listings[0]!.query.get('since')).toBe(killedWindow!.until);
    const refetched = proxy.requests
      .filter((r) => r.path.endsWith('/contract-list'))
      .flatMap((r) => r.query.get('id-list')!.split(','));
    expect(refetched).toHaveLength(24);
    expect(new Set(refetched).size).toBe(24);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.providers[0].types.contract).toMatchObject({ ok: true, resumed: true, created: 24 });
    expect(await mirrorDrift(provider.server.url, provider.consumer, mirror, 'ops', ['contract'])).toEqual([]);
    const [after] = await mirror.status('ops');
    expect(after).toMatchObject({ pendingChunks: 0, records: 40, lastError: null });
    expect(after!.watermark).not.toBeNull();
  });

  it('reset keeps the old rows readable until the full window commits; verify repairs drift and counts it', async () => {
    // Drift: a row changed behind the engine's back and a row the provider never had.
    await mirror.db
      .updateTable('contract')
      .set({ version: 99 })
      .where('provider', '=', 'ops')
      .where('id', '=', 'c-ops-0')
      .execute();
    await mirror.db
      .insertInto('contract')
      .values({
        provider: 'ops',
        id: 'ghost',
        version: 1,
        deleted: dialect === 'postgres' ? false : 0,
        updated_at: '2026-01-01T00:00:00.000Z',
        record: JSON.stringify({ id: 'ghost' }),
        synced_at: '2026-01-01T00:00:00.000Z',
      })
      .execute();
    const verified = await runCli([
      'sync',
      'verify',
      ...syncArgs(provider, proxy.url, 'ops', target, ['--types', 'contract', '--json']).slice(1),
    ]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, drift: 2 });
    expect(await mirrorDrift(provider.server.url, provider.consumer, mirror, 'ops', ['contract'])).toEqual([]);

    const reset = await runCli(['sync', 'reset', '--provider', 'ops', '--type', 'contract', '--database', target]);
    expect(reset.code, reset.stderr).toBe(0);
    // Still readable after the reset request, before any sync.
    expect((await mirror.status('ops'))[0]).toMatchObject({ records: 40 });
    proxy.requests.length = 0;
    const again = await runCli(syncArgs(provider, proxy.url, 'ops', target, ['--types', 'contract', '--json']));
    expect(again.code, again.stderr).toBe(0);
    // A full listing (no since), every id fetched again.
    expect(proxy.requests.find((r) => r.path.endsWith('/contract-id-list-updated'))!.query.get('since')).toBeNull();
    expect(JSON.parse(again.stdout).providers[0].types.contract).toMatchObject({ listed: 40, unchanged: 40 });
  });

  it('--files stores the bytes content-addressed, checks sha256, skips what it holds', async () => {
    const form = new FormData();
    form.append('category', 'other');
    form.append(
      'file',
      new Blob([`%PDF-1.4\n% files ${dialect}\ntrailer\n%%EOF\n`], { type: 'application/pdf' }),
      'a.pdf',
    );
    const uploaded = await fetch(`${provider.server.url}/admin/api/contracts/c-ops-1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    const { file } = (await uploaded.json()) as { file: { id: string; sha256: string } };
    const first = await runCli(syncArgs(provider, proxy.url, 'ops', target, ['--files', '--json']));
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).providers[0].files).toMatchObject({ downloaded: 1, failed: 0 });
    const bytes = await mirror.getBlob(file.sha256);
    expect(bytes && Buffer.from(bytes).toString()).toContain(`files ${dialect}`);
    proxy.requests.length = 0;
    const second = await runCli(syncArgs(provider, proxy.url, 'ops', target, ['--files', '--json']));
    expect(JSON.parse(second.stdout).providers[0].files).toMatchObject({ downloaded: 0 });
    expect(proxy.count('/file-download')).toBe(0);
  });

  it('bad input is one line on stderr and exit 2', async () => {
    const missing = await runCli(['sync', '--base-url', proxy.url, '--database', target]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/--payload is required/);
    const types = await runCli(syncArgs(provider, proxy.url, 'ops', target, ['--types', 'contracts']));
    expect(types.code).toBe(2);
    expect(types.stderr).toMatch(/unknown record type 'contracts'/);
    const urlLimit = await runCli(syncArgs(provider, proxy.url, 'ops', target, ['--max-url-bytes', '2k']));
    expect(urlLimit.code).toBe(2);
    expect(urlLimit.stderr.trim().split('\n')).toHaveLength(1);
    expect(urlLimit.stderr).toMatch(/--max-url-bytes must be an integer from 1024 to 65536 \(got '2k'\)/);
  });

  it("a provider's refusal is one line on stderr and exit 1; nothing of that provider moves", async () => {
    const wrongKey = join(mkdtempSync(join(tmpdir(), 'finum-key-')), 'wrong.pem');
    writeFileSync(
      wrongKey,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    const refused = await runCli([
      'sync',
      ...['--base-url', proxy.url, '--payload', provider.files.payload, '--key', wrongKey],
      ...['--provider', 'refused', '--database', target],
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^finum-sync sync: refused client: .*401/);
    expect((await mirror.status('refused')).map((s) => s.watermark)).toEqual([null]);
  });
});

describe('sync isolation: three providers, one 429 with Retry-After 30, one 500', () => {
  let providers: Provider[];
  let proxies: HttpProxy[];
  let dir: string;

  beforeAll(async () => {
    providers = await Promise.all(['healthy', 'limited', 'broken'].map((id) => startProvider(id)));
    proxies = await Promise.all(providers.map((p) => new HttpProxy(p.server.url).start()));
    dir = mkdtempSync(join(tmpdir(), 'finum-isolation-'));
    // The healthy one has enough contracts that its own URL limit (maxUrlBytes) splits the id list.
    for (const [i, p] of providers.entries()) {
      await p.store.transaction((tx) => tx.putRecords(contracts(p.consumer.id, i === 0 ? 200 : 30)));
    }
    writeFileSync(
      join(dir, 'providers.json'),
      JSON.stringify({
        database: join(dir, 'mirror.db'),
        providers: providers.map((p, i) => ({
          name: p.consumer.id,
          baseUrl: proxies[i]!.url,
          payload: p.files.payload,
          keyFile: p.files.key,
          ...(i === 0 ? { maxUrlBytes: 1024 } : {}),
        })),
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await Promise.all((proxies ?? []).map((p) => p.stop()));
    await Promise.all((providers ?? []).map((p) => p.close()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the healthy provider finishes, the others keep their watermarks, status shows both errors', async () => {
    const config = join(dir, 'providers.json');
    const first = await runCli(['sync', '--config', config, '--json']);
    expect(first.code, first.stderr).toBe(0);
    // maxUrlBytes from providers.json: 200 ids (about 2.6 KB) in requests of at most 1,024 bytes.
    const lists = proxies[0]!.requests.filter((r) => r.path === '/v1/contract-list');
    expect(lists.length).toBeGreaterThanOrEqual(3);
    for (const r of lists) expect(proxies[0]!.url.length + r.target.length).toBeLessThanOrEqual(1024);
    expect(lists.flatMap((r) => r.query.get('id-list')!.split(',')).sort()).toEqual(
      contracts('healthy', 200)
        .map((c) => c.id)
        .sort(),
    );
    const statusOf = async () =>
      JSON.parse((await runCli(['sync', 'status', '--database', join(dir, 'mirror.db'), '--json'])).stdout).streams as {
        provider: string;
        type: string;
        watermark: string;
        lastError: string | null;
        lastSuccessAt: string;
        lastErrorAt: string;
        records: number;
      }[];
    const before = await statusOf();

    for (const p of providers) await p.store.transaction((tx) => tx.putRecords(contracts(p.consumer.id, 5, 1000)));
    proxies[1]!.behaviour = () => ({ kind: 'answer', status: 429, headers: { 'retry-after': '30' } });
    proxies[2]!.behaviour = () => ({ kind: 'answer', status: 500 });
    for (const proxy of proxies) proxy.requests.length = 0;
    const second = await runCli(['sync', '--config', config, '--json']);
    expect(second.code).toBe(1);
    const summary = JSON.parse(second.stdout);
    const byName = Object.fromEntries(summary.providers.map((p: { provider: string }) => [p.provider, p]));
    expect(byName.healthy).toMatchObject({ ok: true, types: { contract: { ok: true, created: 5 } } });
    expect(byName.limited.ok).toBe(false);
    expect(byName.broken.ok).toBe(false);
    // The 429 asked for 30 s, more than the budget: given up at once, not waited for.
    expect(proxies[1]!.requests).toHaveLength(1);
    // The 500s were retried with backoff (4 attempts), then given up.
    expect(proxies[2]!.requests).toHaveLength(4);

    const after = await statusOf();
    const stream = (rows: typeof after, provider: string, type: string) =>
      rows.find((s) => s.provider === provider && s.type === type)!;
    expect(stream(after, 'limited', 'client').lastError).toMatch(/429/);
    expect(stream(after, 'broken', 'client').lastError).toMatch(/500/);
    for (const name of ['limited', 'broken']) {
      for (const type of ['client', 'product', 'user', 'contract', 'file']) {
        expect(stream(after, name, type).watermark).toBe(stream(before, name, type).watermark);
      }
      expect(stream(after, name, 'contract').records).toBe(30);
    }
    expect(stream(after, 'healthy', 'contract')).toMatchObject({ records: 205, lastError: null });
    expect(stream(after, 'healthy', 'contract').watermark > stream(before, 'healthy', 'contract').watermark).toBe(true);
    // Concurrent, not in turn: the healthy provider was done before the broken one gave up.
    const healthyDone = Math.max(
      ...after.filter((s) => s.provider === 'healthy').map((s) => Date.parse(s.lastSuccessAt)),
    );
    expect(healthyDone).toBeLessThan(Date.parse(stream(after, 'broken', 'client').lastErrorAt));

    const table = await runCli(['sync', 'status', '--database', join(dir, 'mirror.db')]);
    expect(table.stdout).toMatch(/limited\s+client.*429/);
    expect(table.stdout).toMatch(/broken\s+client.*500/);
  });
});
