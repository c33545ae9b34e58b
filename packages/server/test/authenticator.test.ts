import { generateKeyPair, signToken } from '@finum-sync/client/node';
import { Authenticator, addConsumer, openStore, type Store } from '@finum-sync/server/internal';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/server.js';

/** The verified-token cache under a controlled clock: a cached token still obeys its time claims. */

const AUDIENCE = 'https://syncapi.test';
const rules = { audience: AUDIENCE, maxLifetimeS: 3600, skewS: 60 };

describe.each(inject('dialects'))('%s', (dialect) => {
  let db: TestDatabase;
  let store: Store;
  const keys = generateKeyPair('ES256');

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    store = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    await addConsumer(store, AUDIENCE, { id: 'broker', publicKeyPem: keys.publicKey });
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
});
