import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiCaller, consumerApi, expectProblem, seedBasics } from '../helpers/api.js';
import { refusedWithoutTrace } from '../helpers/db-dump.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * SPEC §8: callback URLs must be https and must not point at loopback, private or
 * link-local addresses, however the address is spelled; with ALLOW_PRIVATE_CALLBACKS=true
 * loopback, private ranges and http are admitted, link-local never. A refused URL is a
 * 400 at POST/PATCH time and nothing is written.
 */
const REFUSED_ALWAYS = [
  'https://169.254.169.254/latest/meta-data',
  'https://[fe80::1]/',
  'https://[::ffff:a9fe:a9fe]/', // 169.254.169.254, IPv4-mapped
  'https://0.0.0.0/',
  'https://[::]/',
  'https://user:pass@example.com/',
];
const PRIVATE = [
  'https://127.0.0.1/',
  'https://localhost/',
  'https://[::1]/',
  'https://2130706433/',
  'https://0x7f.0.0.1/',
  'https://017700000001/',
  'https://127.1/',
  'https://[::ffff:127.0.0.1]/',
  'https://[::ffff:7f00:1]/',
  'https://10.0.0.1/',
  'https://172.16.0.1/',
  'https://192.168.1.1/',
  'https://100.64.0.1/',
  'https://[fd00::1]/',
];
// Addresses, not names: this machine has no DNS (a name is refused for not resolving).
const PLAIN_HTTP = ['http://93.184.216.34/hook', 'http://127.0.0.1:9/hook', 'http://[::1]:9/hook'];

describe.each(inject('dialects'))('callback URL policy (%s)', (dialect) => {
  describe('ALLOW_PRIVATE_CALLBACKS=false', () => {
    let server: TestServer;
    let api: ApiCaller;
    let basics: { productId: string; clientId: string };
    let contractId: string;

    beforeAll(async () => {
      server = await startTestServer({ dialect, env: { ALLOW_PRIVATE_CALLBACKS: 'false' } });
      const consumer = await server.addConsumer('acme');
      api = consumerApi(server, consumer);
      basics = await seedBasics(server, consumer);
      contractId = (await api.post('/v1/contract', { holderId: basics.clientId, productId: basics.productId })).body.id;
    });
    afterAll(async () => {
      await server?.close();
    });

    it.each([...PLAIN_HTTP, 'http://example.com/hook', ...PRIVATE, ...REFUSED_ALWAYS])(
      'refuses %s on POST and PATCH',
      async (url) => {
        const created = await refusedWithoutTrace(server.db, () =>
          api.post('/v1/contract', { holderId: basics.clientId, productId: basics.productId, callbackUrl: url }),
        );
        expectProblem(created, 400, 'callback-url-refused', ['callbackUrl']);
        const patched = await refusedWithoutTrace(server.db, () =>
          api.patch('/v1/contract', { id: contractId, callbackUrl: url }),
        );
        expectProblem(patched, 400, 'callback-url-refused', ['callbackUrl']);
        // A refused URL combined with a valid change refuses the whole write.
        const withChange = await refusedWithoutTrace(server.db, () =>
          api.patch('/v1/contract', { id: contractId, status: 190, callbackUrl: url }),
        );
        expectProblem(withChange, 400, 'callback-url-refused');
      },
    );
  });

  describe('ALLOW_PRIVATE_CALLBACKS=true', () => {
    let server: TestServer;
    let api: ApiCaller;
    let basics: { productId: string; clientId: string };

    beforeAll(async () => {
      server = await startTestServer({ dialect, env: { ALLOW_PRIVATE_CALLBACKS: 'true' } });
      const consumer = await server.addConsumer('acme');
      api = consumerApi(server, consumer);
      basics = await seedBasics(server, consumer);
    });
    afterAll(async () => {
      await server?.close();
    });

    const pending = (id: string) => server.store.transaction((tx) => tx.pendingCallback(id));

    it.each([...PLAIN_HTTP, ...PRIVATE])('accepts %s', async (url) => {
      const created = await api.post('/v1/contract', {
        holderId: basics.clientId,
        productId: basics.productId,
        callbackUrl: url,
      });
      expect(created.status, created.text).toBe(201);
      expect(await pending(created.body.id)).toBe(url);
      const patched = await api.patch('/v1/contract', { id: created.body.id, callbackUrl: url });
      expect(patched.status, patched.text).toBe(200);
    });

    it.each(REFUSED_ALWAYS)('still refuses %s', async (url) => {
      const created = await refusedWithoutTrace(server.db, () =>
        api.post('/v1/contract', { holderId: basics.clientId, productId: basics.productId, callbackUrl: url }),
      );
      expectProblem(created, 400, 'callback-url-refused', ['callbackUrl']);
    });
  });
});
