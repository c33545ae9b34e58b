import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@finum-sync/server';
import { type MirrorStore, openMirror, runSyncCommand } from '@finum-sync/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, consumerApi, fileForm, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { uniquePdf } from '../helpers/documents.js';
import { createPgDatabase } from '../helpers/postgres.js';
import { type ServerProcess, spawnServer } from '../helpers/serve-process.js';
import {
  createTestConsumer,
  createTestDatabase,
  TEST_AUDIENCE,
  type TestConsumer,
  type TestDatabase,
} from '../helpers/server.js';
import { credentialFiles, mirrorDrift, spawnCli } from '../helpers/sync.js';

/**
 * SPEC §11 guarantees, model-based: random interleavings of provider writes (through the
 * API and the back office: create, update, status change, tombstone, `_` field, file
 * upload), syncs, syncs beside concurrent writers, and syncs of the real CLI killed with
 * SIGKILL at random points. After a final clean sync the mirror holds exactly the
 * provider's view (every field, version, deleted). Each run is a new consumer and a new
 * provider namespace in one mirror, so a run that touched another provider's rows fails too.
 *
 * SYNC_MODEL_RUNS sets the number of runs per dialect (default 50, as issue 13 asks of CI);
 * SYNC_MODEL_SEED replays a failure (fast-check prints the seed and path).
 */
const RUNS = Number(process.env.SYNC_MODEL_RUNS ?? 50);
const SEED = process.env.SYNC_MODEL_SEED ? Number(process.env.SYNC_MODEL_SEED) : undefined;

type Write =
  | { op: 'createClient'; name: string }
  | { op: 'patchClient'; i: number; name: string }
  | { op: 'createContract'; i: number }
  | { op: 'providerStatus'; i: number; status: number }
  | { op: 'tombstone'; type: 'client' | 'contract'; i: number }
  | { op: 'extension'; i: number; value: number }
  | { op: 'upload'; i: number };
/** A killed sync: SIGKILL `delayMs` after the process started, or after it opened (or resumed) a window. */
type Kill = { op: 'killedSync'; after: 'start' | 'window'; delayMs: number };
type Op = Write | { op: 'sync' } | Kill | { op: 'syncDuring'; writes: Write[] };

const index = fc.nat({ max: 20 });
const write: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ op: fc.constant('createClient' as const), name: fc.string({ minLength: 1, maxLength: 12 }) }),
  fc.record({ op: fc.constant('patchClient' as const), i: index, name: fc.string({ minLength: 1, maxLength: 12 }) }),
  fc.record({ op: fc.constant('createContract' as const), i: index }),
  fc.record({
    op: fc.constant('providerStatus' as const),
    i: index,
    status: fc.constantFrom(110, 130, 140, 240, 320, 330, 410, 420),
  }),
  fc.record({
    op: fc.constant('tombstone' as const),
    type: fc.constantFrom('client' as const, 'contract' as const),
    i: index,
  }),
  fc.record({ op: fc.constant('extension' as const), i: index, value: fc.integer() }),
  fc.record({ op: fc.constant('upload' as const), i: index }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: write },
  { weight: 1, arbitrary: fc.constant({ op: 'sync' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('killedSync' as const),
      after: fc.constant('start' as const),
      delayMs: fc.integer({ min: 100, max: 900 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('killedSync' as const),
      after: fc.constant('window' as const),
      delayMs: fc.integer({ min: 0, max: 25 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('syncDuring' as const),
      writes: fc.array(write, { minLength: 1, maxLength: 4 }),
    }),
  },
);

const silent = { out: () => {}, err: () => {}, isTTY: false };

describe.each(inject('dialects'))('sync converges on a %s mirror', (dialect) => {
  let providerDb: TestDatabase;
  let server: ServerProcess;
  let store: Store;
  let mirrorTarget: string;
  let mirror: MirrorStore;
  let dropMirror: () => Promise<void>;
  const productId = `p-model-${dialect}`;
  let run = 0;
  let killedMidWindow = 0;

  beforeAll(async () => {
    providerDb = await createTestDatabase('sqlite');
    server = await spawnServer({ ...providerDb.env, ADMIN_TOKEN: TEST_ADMIN_TOKEN, RATE_LIMIT: '0' });
    store = await openStore({ databaseUrl: undefined, dataDir: providerDb.dataDir });
    if (dialect === 'postgres') {
      const pg = await createPgDatabase();
      mirrorTarget = pg.url;
      dropMirror = pg.drop;
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'finum-mirror-'));
      mirrorTarget = join(dir, 'mirror.db');
      dropMirror = async () => rmSync(dir, { recursive: true, force: true });
    }
    mirror = await openMirror(mirrorTarget);
    const product = {
      recordType: 'product',
      id: productId,
      name: 'Model product',
      category: 'other',
      requiredFields: [],
    };
    const imported = await adminApi(server).send('POST', '/admin/api/records', {
      body: JSON.stringify(product),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(imported.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await mirror?.close();
    await server?.kill('SIGTERM');
    await store?.close();
    await providerDb?.drop();
    await dropMirror?.();
  });

  it(
    'after random writes, syncs and SIGKILLed syncs, a final sync leaves exactly the provider view',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 4, maxLength: 20 }), async (ops) => {
          run++;
          const consumer: TestConsumer = await createTestConsumer(store, TEST_AUDIENCE, `model-${run}`);
          const provider = `provider-${run}`;
          const files = credentialFiles(consumer, TEST_AUDIENCE);
          const api = consumerApi(server, consumer);
          const admin = adminApi(server);
          const clients: string[] = [];
          const contracts: string[] = [];
          const pick = (list: string[], i: number) => (list.length ? list[i % list.length] : undefined);
          const config = {
            name: provider,
            baseUrl: server.url,
            payload: { sub: consumer.id, aud: TEST_AUDIENCE },
            privateKey: consumer.privateKey,
            types: ['client', 'product', 'user', 'contract', 'file'] as const,
            files: false,
            intervalMs: undefined,
          };
          const syncInProcess = () =>
            runSyncCommand(
              { providers: [{ ...config, types: [...config.types] }], database: mirrorTarget, plan: { chunkSize: 2 } },
              silent,
            );
          const importLine = (line: Record<string, unknown>) =>
            admin.send('POST', '/admin/api/records', {
              body: JSON.stringify({ consumerId: consumer.id, ...line }),
              headers: { 'content-type': 'application/x-ndjson' },
            });

          // Writes that the lifecycle or a tombstone refuses (409, 404…) are part of the model: ignored.
          const apply = async (w: Write) => {
            switch (w.op) {
              case 'createClient': {
                const r = await api.post('/v1/client', { type: 'person', lastName: w.name });
                if (r.status === 201) clients.push(r.body.id);
                return;
              }
              case 'patchClient': {
                const id = pick(clients, w.i);
                if (id) await api.patch('/v1/client', { id, lastName: w.name });
                return;
              }
              case 'createContract': {
                const holderId = pick(clients, w.i);
                if (!holderId) return;
                const r = await api.post('/v1/contract', { holderId, productId, status: 100 });
                if (r.status === 201) contracts.push(r.body.id);
                return;
              }
              case 'providerStatus': {
                const id = pick(contracts, w.i);
                if (id) await admin.post(`/admin/api/contracts/${id}/status`, { status: w.status });
                return;
              }
              case 'tombstone': {
                const id = pick(w.type === 'client' ? clients : contracts, w.i);
                if (id) await importLine({ recordType: w.type, id, deleted: true });
                return;
              }
              case 'extension': {
                const id = pick(clients, w.i);
                if (id) await importLine({ recordType: 'client', id, _score: w.value });
                return;
              }
              case 'upload': {
                const contractId = pick(contracts, w.i);
                if (!contractId) return;
                await api.send('POST', '/v1/file', {
                  body: fileForm(
                    { bytes: uniquePdf(), type: 'application/pdf', name: 'p.pdf' },
                    { contractId, category: 'other' },
                  ),
                });
                return;
              }
            }
          };

          for (const step of ops) {
            if (step.op === 'sync') expect(await syncInProcess()).toBe(0);
            else if (step.op === 'syncDuring') {
              const [code] = await Promise.all([
                syncInProcess(),
                (async () => {
                  for (const w of step.writes) await apply(w);
                })(),
              ]);
              expect(code).toBe(0);
            } else if (step.op === 'killedSync') {
              const cli = spawnCli([
                'sync',
                ...['--base-url', server.url, '--payload', files.payload, '--key', files.key],
                ...['--provider', provider, '--database', mirrorTarget, '--chunk-size', '2'],
              ]);
              let timer: NodeJS.Timeout | undefined;
              const kill = () => {
                timer = setTimeout(() => cli.child.kill('SIGKILL'), step.delayMs);
              };
              if (step.after === 'start') kill();
              else
                cli.child.stderr!.on(
                  'data',
                  (d: string) => timer === undefined && /window (opened|resumed)/.test(d) && kill(),
                );
              const ended = await cli.done;
              clearTimeout(timer);
              if (ended.signal !== 'SIGKILL') expect(ended.code, ended.stderr).toBe(0);
              else if ((await mirror.status(provider)).some((s) => s.pendingChunks > 0)) killedMidWindow++;
            } else await apply(step);
          }

          expect(await syncInProcess()).toBe(0);
          const drift = await mirrorDrift(server.url, consumer, mirror, provider);
          expect(drift).toEqual([]);
          // Nothing pending once a sync ended without error.
          expect((await mirror.status(provider)).every((s) => s.pendingChunks === 0 && s.lastError === null)).toBe(
            true,
          );
        }),
        { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
      );
      // The property is only meaningful if some kills landed inside a window. Where a kill lands
      // depends on the machine's speed: 10 runs on an idle machine once had none (a CI run), so
      // the guard holds for the long runs (SYNC_MODEL_RUNS ≥ 50: 44 and 52 kills in a window).
      if (RUNS >= 50) expect(killedMidWindow).toBeGreaterThan(0);
      console.log(`sync model (${dialect} mirror): ${RUNS} runs, ${killedMidWindow} syncs killed inside a window`);
    },
    Math.max(120_000, RUNS * 15_000),
  );
});
