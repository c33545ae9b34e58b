import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  type ConsumerKeys,
  checkClaims,
  type TokenRules,
  verifyConsumerToken,
} from '../src/auth/verify-consumer-token.js';

/** SPEC §3 claim rules at their exact boundaries, with a fixed clock (the socket tests cover the rest). */

const rules: TokenRules = { audience: 'https://syncapi.test', maxLifetimeS: 3600, skewS: 60 };
const NOW_S = 1_800_000_000;
const NOW_MS = NOW_S * 1000;
const claims = (patch: Record<string, unknown>) => ({ sub: 'c', aud: rules.audience, exp: NOW_S + 600, ...patch });

describe('checkClaims', () => {
  it.each([
    ['exp 60 s ago (the skew)', { exp: NOW_S - 60 }],
    ['exp exactly lifetime + skew ahead', { exp: NOW_S + 3600 + 60 }],
    ['iat 60 s ahead', { iat: NOW_S + 60 }],
    ['nbf 60 s ahead', { nbf: NOW_S + 60 }],
    ['aud as an array holding the audience', { aud: ['https://other.test', rules.audience] }],
  ])('accepts %s', (_name, patch) => {
    expect(checkClaims(claims(patch), rules, NOW_MS)).toBeUndefined();
  });

  it.each([
    ['exp 61 s ago', { exp: NOW_S - 61 }, 'expired', /expired/],
    ['exp 1 s beyond lifetime + skew', { exp: NOW_S + 3600 + 61 }, 'lifetime', /lifetime/],
    ['iat 61 s ahead', { iat: NOW_S + 61 }, 'iat-future', /'iat'/],
    ['nbf 61 s ahead', { nbf: NOW_S + 61 }, 'not-yet-valid', /not valid before/],
    ['a non-numeric nbf', { nbf: 'soon' }, 'not-yet-valid', /not valid before/],
    ['aud as an array without the audience', { aud: ['https://other.test'] }, 'audience', /audience/],
  ])('refuses %s', (_name, patch, code, reason) => {
    const failure = checkClaims(claims(patch), rules, NOW_MS);
    expect(failure).toMatchObject({ ok: false, code });
    expect(failure?.reason).toMatch(reason);
  });
});

describe('verifyConsumerToken', () => {
  const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const [first, second] = [pair(), pair()];
  const keys: ConsumerKeys = {
    status: 'active',
    keys: [
      { kid: 'k1', alg: 'ES256', key: first.publicKey, fingerprint: 'f1' },
      { kid: 'k2', alg: 'ES256', key: second.publicKey, fingerprint: 'f2' },
    ],
  };
  const sign = (privateKey: typeof first.privateKey, header: Record<string, unknown> = {}) =>
    new SignJWT(claims({ iat: NOW_S })).setProtectedHeader({ alg: 'ES256', ...header }).sign(privateKey);

  it('without kid, tries every key of the algorithm and names the one that verified', async () => {
    const result = await verifyConsumerToken(await sign(second.privateKey), () => keys, rules, NOW_MS);
    expect(result).toMatchObject({ ok: true, token: { consumerId: 'c', kid: 'k2' } });
  });

  it('checks the signature before the claims: a forged expired token is a bad signature', async () => {
    const forged = await new SignJWT(claims({ exp: NOW_S - 3600 }))
      .setProtectedHeader({ alg: 'ES256' })
      .sign(pair().privateKey);
    expect(await verifyConsumerToken(forged, () => keys, rules, NOW_MS)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/bad signature/i),
    });
  });

  it('refuses a disabled consumer before looking at keys', async () => {
    const result = await verifyConsumerToken(
      await sign(first.privateKey, { kid: 'k1' }),
      () => ({ ...keys, status: 'disabled' }),
      rules,
      NOW_MS,
    );
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/disabled/) });
  });
});
