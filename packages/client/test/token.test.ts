import { createPublicKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { algorithmForKey, createTokenSource, signToken } from '@finum-sync/client';
import { generateKeyPair, readPrivateKeyFile } from '@finum-sync/client/node';
import { exportJWK, importPKCS8, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';

const payload = { sub: 'acme', aud: 'https://syncapi.test' };

describe('tokens', () => {
  it.each(['ES256', 'EdDSA', 'RS256'] as const)('signs with a %s key given as PEM, JWK or CryptoKey', async (alg) => {
    const pair = generateKeyPair(alg);
    const publicKey = createPublicKey(pair.publicKey);
    const cryptoKey = await importPKCS8(pair.privateKey, alg, { extractable: true });
    const jwk = await exportJWK(cryptoKey);
    for (const privateKey of [pair.privateKey, jwk, cryptoKey]) {
      expect(algorithmForKey(privateKey)).toBe(alg);
      const jwt = await signToken({ payload, privateKey, ttlSeconds: 60 });
      const { payload: claims, protectedHeader } = await jwtVerify(jwt, publicKey, { audience: payload.aud });
      expect(protectedHeader.alg).toBe(alg);
      expect(claims.exp! - claims.iat!).toBe(60);
    }
  });

  it('refuses PKCS#1 PEM in the main entry with a way out, and reads it from a file with the node helper', async () => {
    const pair = generateKeyPair('RS256');
    const pkcs1 = (await import('node:crypto'))
      .createPrivateKey(pair.privateKey)
      .export({ type: 'pkcs1', format: 'pem' });
    expect(() => algorithmForKey(pkcs1.toString())).toThrow(/PKCS#8.*openssl pkcs8/);
    const file = join(mkdtempSync(join(tmpdir(), 'finum-key-')), 'key.pem');
    writeFileSync(file, pkcs1);
    const key = readPrivateKeyFile(file);
    expect(algorithmForKey(key)).toBe('RS256');
    await expect(signToken({ payload, privateKey: key })).resolves.toMatch(/^ey/);
  });

  it('caches a token until shortly before it expires', async () => {
    let now = 1_800_000_000_000;
    const tokens = createTokenSource({
      payload,
      privateKey: generateKeyPair().privateKey,
      ttlSeconds: 600,
      now: () => now,
    });
    const first = await tokens.token();
    now += 479_000;
    expect(await tokens.token()).toBe(first);
    now += 1_000; // 120 s before exp
    expect(await tokens.token()).not.toBe(first);
    expect(tokens.signed).toBe(2);
  });
});
