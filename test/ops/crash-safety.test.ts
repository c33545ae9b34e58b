import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type Store } from '@finum-sync/server';
import { compileCheck, RECORD_TYPES, recordSchema } from '@finum-sync/spec';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { consumerApi, fileForm } from '../helpers/api.js';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { verifiedPayload } from '../helpers/callbacks.js';
import { type ServerProcess, spawnServer } from '../helpers/serve-process.js';
import {
  createTestConsumer,
  createTestDatabase,
  TEST_AUDIENCE,
  type TestConsumer,
  type TestDatabase,
  testRecord,
} from '../helpers/server.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What the server acknowledged (answered 2xx to) before it was killed. */
interface Acknowledged {
  clients: Map<string, number>;
  contracts: Map<string, { version: number; status: number }>;
  files: Map<string, { sha256: string; contractId: string }>;
}

/**
 * SPEC §7 "no partial write" under the harshest fault: SIGKILL in the middle of a stream
 * of writes and uploads. After a restart every acknowledged write is there, no record or
 * blob is half-written, and the callbacks of acknowledged status changes still go out.
 */
describe.each(inject('dialects'))('crash safety (%s)', (dialect) => {
  let db: TestDatabase;
  let store: Store;
  let consumer: TestConsumer;
  let receiver: CallbackReceiver;
  let server: ServerProcess;
  const env = () => ({ ...db.env, ALLOW_PRIVATE_CALLBACKS: 'true', RATE_LIMIT: '0', CALLBACK_RETRY_BASE_MS: '100' });

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    // The receiver's port is fixed now; it is down while the writes stream and the server crashes.
    receiver = await new CallbackReceiver().start();
    await receiver.stop();
    store = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    consumer = await createTestConsumer(store, TEST_AUDIENCE, 'crash');
    await store.transaction(async (tx) => {
      await tx.putConsumer({ ...(await tx.getConsumer('crash'))!, callbackUrl: receiver.url });
      await tx.bumpAuthRevision();
      await tx.putRecords([testRecord('product', '', { requiredFields: [] }, { id: 'p-crash' })]);
    });
    server = await spawnServer(env());
  }, 60_000);
  afterAll(async () => {
    await server?.kill('SIGTERM');
    await receiver?.stop();
    await store?.close();
    await db?.drop();
  });

  it('keeps every acknowledged write, nothing half-written, and still sends pending callbacks', async () => {
    const acked: Acknowledged = { clients: new Map(), contracts: new Map(), files: new Map() };
    let count = 0;
    let crashed = false;
    let reachedTarget!: () => void;
    const target = new Promise<void>((resolve) => {
      reachedTarget = resolve;
    });
    const ack = () => {
      if (++count === 60) reachedTarget();
    };

    const worker = async (n: number) => {
      const api = consumerApi(server, consumer);
      for (let round = 0; !crashed; round++) {
        const client = await api.post('/v1/client', { type: 'person', lastName: `Crash ${n}-${round}` });
        if (client.status !== 201) throw new Error(`client: ${client.status} ${client.text}`);
        acked.clients.set(client.body.id, client.body.version);
        ack();
        const contract = await api.post('/v1/contract', {
          holderId: client.body.id,
          productId: 'p-crash',
          status: 100,
        });
        if (contract.status !== 201) throw new Error(`contract: ${contract.status} ${contract.text}`);
        acked.contracts.set(contract.body.id, { version: contract.body.version, status: 100 });
        ack();
        const bytes = new Uint8Array(Buffer.concat([Buffer.from('%PDF-1.4\n%'), randomBytes(64 * 1024)]));
        const file = await api.send('POST', '/v1/file', {
          body: fileForm(
            { bytes, type: 'application/pdf', name: `c${n}-${round}.pdf` },
            { contractId: contract.body.id, category: 'proposal' },
          ),
        });
        if (file.status !== 201) throw new Error(`file: ${file.status} ${file.text}`);
        acked.files.set(file.body.id, { sha256: sha256(bytes), contractId: contract.body.id });
        ack();
        const requested = await api.patch('/v1/contract', { id: contract.body.id, status: 120 });
        if (requested.status !== 200) throw new Error(`patch: ${requested.status} ${requested.text}`);
        acked.contracts.set(contract.body.id, { version: requested.body.version, status: 120 });
        ack();
      }
    };
    // Requests under way when the process dies fail: those writes were never acknowledged.
    const workers = [0, 1, 2, 3].map((n) => worker(n).catch(() => {}));
    await target;
    crashed = true;
    expect((await server.kill('SIGKILL')).signal).toBe('SIGKILL');
    await Promise.all(workers);

    server = await spawnServer(env());
    const api = consumerApi(server, consumer);
    const fetchAll = async (type: string, ids: string[]) => {
      const out: Array<Record<string, unknown>> = [];
      for (let i = 0; i < ids.length; i += 1000) {
        const res = await api.get(`/v1/${type}-list?id-list=${ids.slice(i, i + 1000).join(',')}`);
        expect(res.status).toBe(200);
        out.push(...res.body);
      }
      return out;
    };

    // Every acknowledged write is there, at least at the version acknowledged.
    const clients = await fetchAll('client', [...acked.clients.keys()]);
    expect(clients.map((c) => c.id).sort()).toEqual([...acked.clients.keys()].sort());
    for (const c of clients) expect(c.version).toBeGreaterThanOrEqual(acked.clients.get(String(c.id))!);
    const contracts = await fetchAll('contract', [...acked.contracts.keys()]);
    expect(contracts).toHaveLength(acked.contracts.size);
    for (const c of contracts) {
      const seen = acked.contracts.get(String(c.id))!;
      expect(c.version).toBeGreaterThanOrEqual(seen.version);
      if (seen.status === 120) expect(c.status).toBe(120);
    }
    for (const [id, file] of acked.files) {
      const contract = contracts.find((c) => c.id === file.contractId)!;
      expect(contract.fileIdList).toContain(id);
      const download = await fetch(`${server.url}/v1/file-download?id=${id}`, { headers: await consumer.headers() });
      expect(download.status).toBe(200);
      expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(file.sha256);
    }

    // Nothing half-written: every record the consumer can see is a valid record, every
    // file reference resolves, every stored blob has the bytes its name promises.
    for (const type of RECORD_TYPES) {
      const ids = (await api.get(`/v1/${type}-id-list-updated`)).body as string[];
      const check = compileCheck(recordSchema(type));
      for (const record of await fetchAll(type, ids)) expect(check(record), `${type} ${record.id}`).toEqual([]);
    }
    const allFiles = new Set((await api.get('/v1/file-id-list-updated')).body as string[]);
    for (const c of await fetchAll('contract', (await api.get('/v1/contract-id-list-updated')).body)) {
      for (const f of c.fileIdList as string[]) expect(allFiles).toContain(f);
    }
    for (const [name, bytes] of await storedBlobs()) expect(sha256(bytes), name).toBe(name);

    // The status changes acknowledged before the crash are called back now that the receiver is up.
    const expected = [...acked.contracts].filter(([, c]) => c.status === 120).map(([id]) => id);
    expect(expected.length).toBeGreaterThan(0);
    await receiver.start();
    // A delivery whose attempt the crash interrupted waits for its lease (20 s) to run out.
    const calledBack = new Set<string>();
    while (!expected.every((id) => calledBack.has(id))) {
      const callback = await receiver.next(60_000);
      const payload = verifiedPayload(callback, consumer.callbackSecret);
      if (payload.status === 120) calledBack.add(String(payload.contractId));
    }
  }, 120_000);

  /** The content-addressed blobs as stored: files under DATA_DIR (SQLite) or the blobs table. */
  async function storedBlobs(): Promise<Array<[string, Uint8Array]>> {
    if (dialect === 'sqlite') {
      const root = join(db.dataDir, 'blobs');
      return readdirSync(root).flatMap((dir) =>
        readdirSync(join(root, dir))
          .filter((name) => !name.startsWith('.'))
          .map((name): [string, Uint8Array] => [name, readFileSync(join(root, dir, name))]),
      );
    }
    const client = new pg.Client({ connectionString: db.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ sha256: string; bytes: Buffer }>('select sha256, bytes from blobs');
      return rows.map((r) => [r.sha256, r.bytes]);
    } finally {
      await client.end();
    }
  }
});
