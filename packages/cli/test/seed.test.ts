import { statSync } from 'node:fs';
import { partRecords, partRows } from '@finum-sync/cli';
import { openStore } from '@finum-sync/server';
import { CONTRACT_STATUS_CODES } from '@finum-sync/spec';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ServerProcess, spawnServer } from '../../../test/helpers/serve-process.js';
import { createTestDatabase, TEST_AUDIENCE, type TestDatabase } from '../../../test/helpers/server.js';
import { runCli, runCliJson } from './run-cli.js';

const dialects = inject('dialects');

interface SeedOutput {
  dialect: string;
  records: number;
  counts: Record<string, number>;
  recordsPerSecond: number;
  consumers: { consumerId: string; payload: { sub: string; aud: string }; privateKeyFile: string }[];
}

const DAY = 86_400_000;
const NOW = new Date().toISOString();
const SEED_ARGS = ['seed', '--consumers', '3', '--contracts', '2500', '--seed', '7', '--now', NOW, '--workers', '2'];
/** 2500 contracts over 3 consumers: 834, 833, 833; a client for every two, a file for every second. */
const EXPECTED = { contract: 2500, client: 417 * 3, file: 417 + 416 + 416, user: 30, product: 12 };

describe.each(dialects)('finum-sync seed on %s', (dialect) => {
  let db: TestDatabase;
  let twin: TestDatabase;
  let env: Record<string, string>;
  let seeded: SeedOutput;
  let server: ServerProcess;

  beforeAll(async () => {
    [db, twin] = await Promise.all([createTestDatabase(dialect), createTestDatabase(dialect)]);
    env = { ...db.env, PUBLIC_URL: TEST_AUDIENCE };
    seeded = await runCliJson<SeedOutput>([...SEED_ARGS, '--json'], env);
    server = await spawnServer(env);
  });
  afterAll(async () => {
    await server?.kill();
    await Promise.all([db?.drop(), twin?.drop()]);
  });

  const get = async (consumer: number, path: string) => {
    const { payload, privateKeyFile } = seeded.consumers[consumer]!;
    const token = await runCli(['token', '--payload', JSON.stringify(payload), '--key', privateKeyFile]);
    const response = await fetch(`${server.url}${path}`, {
      headers: { authorization: `Bearer ${token.stdout.trim()}` },
    });
    expect(response.status, path).toBe(200);
    return response.json();
  };

  it('reports the counts it wrote, with the rate, and registers bench-01 … with private keys of mode 0600', () => {
    expect(seeded.dialect).toBe(dialect);
    expect(seeded.counts).toEqual(EXPECTED);
    expect(seeded.records).toBe(Object.values(EXPECTED).reduce((a, b) => a + b, 0));
    expect(seeded.recordsPerSecond).toBeGreaterThan(0);
    expect(seeded.consumers.map((c) => c.consumerId)).toEqual(['bench-01', 'bench-02', 'bench-03']);
    for (const c of seeded.consumers) {
      expect(c.payload).toEqual({ sub: c.consumerId, aud: TEST_AUDIENCE });
      expect(statSync(c.privateKeyFile).mode & 0o777).toBe(0o600);
    }
  });

  it('serves each consumer exactly its share, and every consumer the products', async () => {
    const contracts = (await get(0, '/v1/contract-id-list-updated')) as string[];
    expect(contracts).toHaveLength(834);
    expect(new Set(contracts).size).toBe(834);
    expect(contracts.every((id) => id.startsWith('bench-01-co-'))).toBe(true);
    expect(await get(1, '/v1/contract-id-list-updated')).toHaveLength(833);
    expect(await get(0, '/v1/client-id-list-updated')).toHaveLength(417);
    expect(await get(2, '/v1/file-id-list-updated')).toHaveLength(416);
    expect(await get(2, '/v1/user-id-list-updated')).toHaveLength(10);
    expect(await get(1, '/v1/product-id-list-updated')).toHaveLength(12);
    // Another consumer's ids are invisible.
    expect(await get(1, `/v1/contract-list?id-list=${contracts.slice(0, 5).join(',')}`)).toEqual([]);
  });

  it('spreads statuses over the lifecycle and times so that the last 7 days hold a few percent', async () => {
    const since = new Date(Date.parse(NOW) - 7 * DAY).toISOString();
    const recent = (await get(0, `/v1/contract-id-list-updated?since=${since}`)) as string[];
    expect(recent.length / 834).toBeGreaterThan(0.01);
    expect(recent.length / 834).toBeLessThan(0.15);
    const after = new Date(Date.parse(NOW) + 1).toISOString();
    expect(await get(0, `/v1/contract-id-list-updated?since=${after}`)).toEqual([]);

    const ids = ((await get(0, '/v1/contract-id-list-updated')) as string[]).slice(0, 834);
    const clients = new Set((await get(0, '/v1/client-id-list-updated')) as string[]);
    const records = [
      ...((await get(0, `/v1/contract-list?id-list=${ids.slice(0, 500).join(',')}`)) as Record<string, unknown>[]),
      ...((await get(0, `/v1/contract-list?id-list=${ids.slice(500).join(',')}`)) as Record<string, unknown>[]),
    ];
    // In the order asked for, each once.
    expect(records.map((r) => r.id)).toEqual(ids);
    const statuses = new Set(records.map((r) => r.status as number));
    expect(statuses.size).toBeGreaterThanOrEqual(10);
    expect([...statuses].every((s) => (CONTRACT_STATUS_CODES as number[]).includes(s))).toBe(true);
    expect(records.filter((r) => r.status === 320).length / 834).toBeGreaterThan(0.4);
    for (const r of records) {
      expect(clients.has(r.holderId as string)).toBe(true);
      expect(Date.parse(r.createdAt as string)).toBeLessThanOrEqual(Date.parse(r.updatedAt as string));
      expect(Date.parse(r.createdAt as string)).toBeGreaterThanOrEqual(Date.parse(NOW) - 365 * DAY);
    }
    const deleted = records.filter((r) => r.deleted).length;
    expect(deleted).toBeGreaterThan(0);
    expect(deleted).toBeLessThan(834 * 0.05);
  });

  it('gives the same records for the same --seed and --now, whatever the workers', async () => {
    await runCliJson([...SEED_ARGS.slice(0, -2), '--workers', '1', '--json'], {
      ...twin.env,
      PUBLIC_URL: TEST_AUDIENCE,
    });
    const stores = await Promise.all(
      [db, twin].map((d) => openStore({ databaseUrl: d.databaseUrl, dataDir: d.dataDir })),
    );
    try {
      for (const [type, consumer, prefix] of [
        ['contract', 'bench-02', 'bench-02-co-'],
        ['client', 'bench-03', 'bench-03-cl-'],
        ['file', 'bench-01', 'bench-01-f-'],
      ] as const) {
        const ids = Array.from({ length: 400 }, (_, i) => `${prefix}${String(i + 1).padStart(6, '0')}`);
        const [a, b] = await Promise.all(
          stores.map(async (s) => JSON.parse(String(await s.recordsByIds(type, consumer, ids))) as unknown[]),
        );
        expect(a).toHaveLength(400);
        expect(b).toEqual(a);
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    // Another seed gives other records.
    const plan = { consumers: 3, contracts: 2500, seed: 7, days: 365, nowMs: Date.parse(NOW) };
    expect(partRecords({ ...plan, seed: 8 }, 1, 0)).not.toEqual(partRecords(plan, 1, 0));
  });

  it('serve stops on SIGINT: a request under way gets its whole answer, then exit code 0', async () => {
    const { payload, privateKeyFile } = seeded.consumers[0]!;
    const token = (
      await runCli(['token', '--payload', JSON.stringify(payload), '--key', privateKeyFile])
    ).stdout.trim();
    const headers = { authorization: `Bearer ${token}` };
    const ids = (await (await fetch(`${server.url}/v1/contract-id-list-updated`, { headers })).json()) as string[];
    // The signal goes out once the server logged that the request came in.
    const arrived = server.waitForOutput(/"msg":"incoming request"/, { fromNow: true });
    const response = fetch(`${server.url}/v1/contract-list?id-list=${ids.slice(0, 800).join(',')}`, { headers });
    await arrived;
    const exit = server.kill('SIGINT').then((r) => r.code);
    const answer = await response;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toHaveLength(800);
    expect(await exit).toBe(0);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('refuses to seed a database that holds the bench consumers already', async () => {
    const again = await runCli(SEED_ARGS, env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/holds seeded consumers already \(bench-01, bench-02, bench-03\)/);
  });
});

describe('the rows the seed writes', () => {
  it('are exactly the records of the data set, serialized', () => {
    const plan = { consumers: 3, contracts: 2500, seed: 7, days: 365, nowMs: Date.parse(NOW) };
    for (const [consumer, block] of [
      [0, 0],
      [2, 0],
      [1, 0],
    ] as const) {
      const records = partRecords(plan, consumer, block);
      const rows = partRows(plan, consumer, block);
      expect(rows).toHaveLength(records.length);
      rows.forEach((row, i) => {
        const { data, ...meta } = records[i]!;
        const { body, fields, ...rowMeta } = row;
        expect(rowMeta).toEqual(meta);
        expect(body).toBe(JSON.stringify(data));
        for (const key of ['holderId', 'status', 'externalId', 'contractId', 'clientId'])
          expect(fields[key] ?? null).toEqual(data[key] ?? null);
      });
    }
  });
});
