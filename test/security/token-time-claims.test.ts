import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { bearer, expectUnauthorized } from '../helpers/problem.js';
import { startTestServer, TEST_AUDIENCE, type TestConsumer, type TestServer } from '../helpers/server.js';
import { nowS, rawToken, signClaims } from '../helpers/tokens.js';

/** Issue 11, item 8 (SPEC §3): time claims outside the range of a Date, and odd tokens, are a 401 — never a 500. */

describe.each(inject('dialects'))('%s', (dialect) => {
  let server: TestServer;
  let consumer: TestConsumer;
  beforeAll(async () => {
    server = await startTestServer({ dialect });
    consumer = await server.addConsumer('time-claims');
  });
  afterAll(() => server?.close());

  const send = async (claims: Record<string, unknown>) =>
    server.get(
      '/v1/auth-status',
      undefined,
      bearer(await signClaims(consumer.privateKey, consumer.alg, { sub: consumer.id, aud: TEST_AUDIENCE, ...claims })),
    );

  it.each([
    ['exp far in the past', { exp: -1e20 }, /expired/],
    ['exp at the smallest number', { exp: -Number.MAX_VALUE }, /expired/],
    ['exp far ahead', { exp: 1e20 }, /lies more than/],
    ['nbf far ahead', { exp: nowS() + 600, nbf: 1e20 }, /not valid before/],
    ['nbf at the largest number', { exp: nowS() + 600, nbf: Number.MAX_VALUE }, /not valid before/],
    ['iat far ahead', { exp: nowS() + 600, iat: 1e300 }, /iat/],
  ])('%s: 401', async (_name, claims, detail) => {
    expectUnauthorized(await send(claims), detail);
  });

  it.each([
    ['a header that is not an object', `${Buffer.from('"x"').toString('base64url')}.e30.c2ln`],
    ['crit with an unknown extension', rawToken({ alg: 'ES256', crit: ['zzz'], zzz: 1 }, { sub: 'time-claims' })],
    ['b64 false', rawToken({ alg: 'ES256', b64: false, crit: ['b64'] }, { sub: 'time-claims' })],
  ])('%s: 401', async (_name, token) => {
    expectUnauthorized(await server.get('/v1/auth-status', undefined, bearer(token)), /./);
  });
});
