import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { generateKeyPair, signToken } from '@finum-sync/client/node';
import { Authenticator, addConsumer, cliActor, openStore, type Store } from '@finum-sync/server/internal';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/server.js';

/** The verified-token cache under a controlled clock: a cached token still obeys its time claims. */

const AUDIENCE = 'https://syncapi.test';
const rules = { audience: AUDIENCE, maxLifetimeS: 3600, skewS: 60 };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

describe.each(inject('dialects'))('%s', (dialect) => {
  let db: TestDatabase;
  let store: Store;
  const keys = generateKeyPair('ES256');

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    store = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    await addConsumer(store, AUDIENCE, { id: 'broker', publicKeyPem: keys.publicKey, by: cliActor() });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('accepts a cached token up to its exp plus the skew, and refuses it one second later', async () => {
    let now = Date.parse('2026-11-23T10:00:00.000Z');
    const authenticator = new Authenticator(store, rules, () => now);
    const token = await signToken({
      payload: { sub: 'broker', aud: AUDIENCE },
      privateKey: keys.privateKey,
      ttlSeconds: 60,
      now,
    });
    expect(await authenticator.authenticate(token)).toMatchObject({ ok: true });
    now += 120_000;
    expect(await authenticator.authenticate(token)).toMatchObject({ ok: true });
    now += 1_000;
    expect(await authenticator.authenticate(token)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/expired/),
    });
  });

  // Issue 10, item 6: a cached token's whole path runs in the turn its request arrived in.
  it('answers a token verified before at once (no promise) while the key ring is current', async () => {
    const authenticator = new Authenticator(store, rules);
    const token = await signToken({ payload: { sub: 'broker', aud: AUDIENCE }, privateKey: keys.privateKey });
    const first = authenticator.authenticate(token);
    expect(first).toBeInstanceOf(Promise); // the key ring loaded, the signature checked
    expect(await first).toMatchObject({ ok: true });
    const connection = {};
    // PostgreSQL keeps the revision it read for REVISION_KEPT_MS: on a loaded machine the
    // read may be older than that by now; the call right after a read answers at once.
    let again = authenticator.authenticate(token, connection);
    for (let i = 0; i < 20 && again instanceof Promise; i++) {
      await again;
      again = authenticator.authenticate(token, connection);
    }
    expect(again).not.toBeInstanceOf(Promise);
    expect(again).toMatchObject({ ok: true, token: { consumerId: 'broker' } });
    // The connection's last token (its hash kept), then another token on the same connection.
    expect(authenticator.authenticate(token, connection)).toMatchObject({ ok: true });
    const other = await signToken({ payload: { sub: 'broker', aud: AUDIENCE, n: 1 }, privateKey: keys.privateKey });
    expect(await authenticator.authenticate(other, connection)).toMatchObject({ ok: true });
    // Consumers or keys changed in this process: the next answer waits for the ring's reload.
    await store.transaction((tx) => tx.bumpAuthRevision());
    const afterChange = authenticator.authenticate(token, connection);
    expect(afterChange).toBeInstanceOf(Promise);
    expect(await afterChange).toMatchObject({ ok: true });
  });

  // Issue 11, item 2: the cache keeps a hash and the time claims, never the token.
  it('2,000 distinct tokens of ~7 KB each, all accepted, leave well under 4 MB in the cache', async () => {
    const authenticator = new Authenticator(store, rules);
    await authenticator.refresh();
    const before = heapUsed();
    for (let i = 0; i < 2000; i++) {
      // Each token is dropped by the test once used: only the cache could keep it.
      const token = await signToken({
        payload: { sub: 'broker', aud: AUDIENCE, n: i, pad: `${i}`.padEnd(5000, 'y') },
        privateKey: keys.privateKey,
      });
      expect((await authenticator.authenticate(token)).ok).toBe(true);
    }
    const retained = heapUsed() - before;
    // Holding the tokens (or their decoded claims) retained about 24 MB.
    expect(retained).toBeLessThan(4 * 1024 * 1024);
    expect(authenticator.cachedBytes).toBeLessThanOrEqual(4 * 1024 * 1024);
  });
});
