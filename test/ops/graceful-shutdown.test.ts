import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { openStore } from '@finum-sync/server';
import { describe, expect, inject, it } from 'vitest';
import { adminApi, consumerApi, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { spawnServer } from '../helpers/serve-process.js';
import { createTestConsumer, createTestDatabase, TEST_AUDIENCE, testRecord } from '../helpers/server.js';

/**
 * SIGTERM (issue 6): stop accepting, finish the requests and callback attempts under way,
 * close the database, exit 0. A slow upload and a slow callback receiver are in flight
 * when the signal arrives; both complete.
 */
describe.each(inject('dialects'))('graceful shutdown (%s)', (dialect) => {
  it('finishes an upload and a callback attempt under way, refuses new connections, exits 0', async () => {
    const db = await createTestDatabase(dialect);
    const receiver = await new CallbackReceiver().start();
    const store = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    const consumer = await createTestConsumer(store, TEST_AUDIENCE, 'sigterm');
    await store.transaction((tx) =>
      tx.putRecords([testRecord('product', '', { requiredFields: [] }, { id: 'p-term' })]),
    );
    const server = await spawnServer({
      ...db.env,
      LOG_LEVEL: 'info',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      ALLOW_PRIVATE_CALLBACKS: 'true',
    });
    try {
      const api = consumerApi(server, consumer);
      const client = await api.post('/v1/client', { type: 'person', lastName: 'Term' });
      const contract = await api.post('/v1/contract', {
        holderId: client.body.id,
        productId: 'p-term',
        status: 100,
        callbackUrl: receiver.url,
      });
      expect(contract.status).toBe(201);

      // A callback attempt under way: the receiver holds its answer back.
      receiver.hang = true;
      const changed = await adminApi(server).post(`/admin/api/contracts/${contract.body.id}/status`, { status: 140 });
      expect(changed.status).toBe(200);
      await receiver.next();

      // An upload under way: half the body sent, the server has the request.
      const boundary = 'finum-boundary';
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="clientId"\r\n\r\n${client.body.id}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\nother\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n%`,
      );
      const tail = Buffer.concat([randomBytes(256 * 1024), Buffer.from(`\r\n--${boundary}--\r\n`)]);
      const url = new URL('/v1/file', server.url);
      const upload = request(url, {
        method: 'POST',
        headers: {
          ...(await consumer.headers()),
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': head.length + tail.length,
        },
      });
      const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
        upload.on('response', (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        upload.on('error', reject);
      });
      upload.write(head);
      await server.waitForOutput(/"method":"POST","path":"\/v1\/file"/);

      const exited = server.kill('SIGTERM');
      await server.waitForOutput(/shutting down/);
      // Nothing new is taken on: a new connection is refused; a request on a connection
      // kept alive from before gets a 503 problem telling it to go elsewhere.
      const late = await fetch(`${server.url}/healthz`).then(
        (r) => ({ status: r.status, type: r.headers.get('content-type') }),
        () => 'refused',
      );
      if (late !== 'refused') expect(late).toMatchObject({ status: 503, type: expect.stringMatching(/problem\+json/) });

      upload.end(tail);
      const uploaded = await answered;
      expect(uploaded.status, uploaded.body).toBe(201);
      receiver.release();
      const { code } = await exited;
      expect(code).toBe(0);

      // What was under way was finished and recorded before the database closed.
      const [delivery] = await store.listDeliveries({ contractId: contract.body.id });
      expect(delivery).toMatchObject({ state: 'delivered', attempts: 1 });
      const file = JSON.parse(uploaded.body) as { id: string };
      expect((await store.visibleRecord('file', 'sigterm', file.id))?.data.size).toBe(256 * 1024 + 10);
    } finally {
      await server.kill('SIGKILL');
      await receiver.stop();
      await store.close();
      await db.drop();
    }
  }, 60_000);
});
