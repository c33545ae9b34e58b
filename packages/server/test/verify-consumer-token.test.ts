import { generateKeyPairSync, type KeyObject as NodeKeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  type ConsumerKeys,
  checkClaims,
  decoyKey,
  type SignatureCheck,
  type TokenRules,
  verifyConsumerToken,
} from '../src/auth/verify-consumer-token.js';
import type { KeyAlgorithm } from '../src/store/port.js';

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

/**
 * Issue 11, item 10 (SPEC §4): the answer's timing must not tell which consumer ids exist. A
 * token refused for its consumer or its key costs the signature check a bad signature costs,
 * with a key of the token's algorithm (counted here: wall time is no unit test's business).
 */
describe('every refusal after the sub costs one signature check', () => {
  const pairs = {
    ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
    PS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
    EdDSA: () => generateKeyPairSync('ed25519'),
  } as const;
  const keyType = { ES256: 'ec', RS256: 'rsa', PS256: 'rsa', EdDSA: 'ed25519' } as const;

  describe.each(Object.keys(pairs) as KeyAlgorithm[])('%s', (alg) => {
    const registered = pairs[alg]();
    const attacker = pairs[alg]();
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const consumer: ConsumerKeys = {
      status: 'active',
      keys: [{ kid: 'k1', alg, key: registered.publicKey, fingerprint: 'f1' }],
    };
    const token = (header: Record<string, unknown> = {}) =>
      new SignJWT(claims({ iat: NOW_S })).setProtectedHeader({ alg, ...header }).sign(attacker.privateKey);
    const counted = () => {
      const checks: Array<{ type: string | undefined; alg: string }> = [];
      const check: SignatureCheck = async (_token, key, checkAlg) => {
        // The decoy and the registered keys are node:crypto KeyObjects (jose's KeyObject type is narrower).
        checks.push({ type: (key as NodeKeyObject).asymmetricKeyType, alg: checkAlg });
        return false;
      };
      return { checks, check };
    };

    it.each([
      ['an unknown consumer', 'unknown-consumer', {}, () => undefined],
      ['a disabled consumer', 'disabled', {}, () => ({ ...consumer, status: 'disabled' as const })],
      ['a kid the consumer does not have', 'unknown-kid', { kid: 'nope' }, () => consumer],
      ['a consumer without keys', 'unknown-kid', {}, () => ({ status: 'active' as const, keys: [] })],
      [
        'a consumer whose keys have another algorithm',
        'algorithm-mismatch',
        {},
        () => ({
          status: 'active' as const,
          keys: [
            {
              kid: 'k9',
              alg: (alg === 'ES256' ? 'EdDSA' : 'ES256') as KeyAlgorithm,
              key: other.publicKey,
              fingerprint: 'f9',
            },
          ],
        }),
      ],
      ['a known consumer, bad signature', 'bad-signature', {}, () => consumer],
    ])('%s (%s)', async (_name, code, header, lookup: () => ConsumerKeys | undefined) => {
      const { checks, check } = counted();
      const result = await verifyConsumerToken(await token(header), lookup, rules, NOW_MS, check);
      expect(result).toMatchObject({ ok: false, code });
      expect(checks).toEqual([{ type: keyType[alg], alg }]);
    });

    it('the decoy is a real key of the same kind, and refuses the token', async () => {
      const decoy = decoyKey(alg) as NodeKeyObject;
      expect(decoy.asymmetricKeyType).toBe(keyType[alg]);
      if (keyType[alg] === 'rsa') expect(decoy.asymmetricKeyDetails?.modulusLength).toBe(2048);
      const result = await verifyConsumerToken(await token(), () => undefined, rules, NOW_MS);
      expect(result).toMatchObject({ ok: false, code: 'unknown-consumer' });
    });
  });
});
