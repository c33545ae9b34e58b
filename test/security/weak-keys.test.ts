import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../packages/cli/test/run-cli.js';
import { adminApi, expectProblem, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { bearer } from '../helpers/problem.js';
import { fetchParsed, startTestServer, TEST_AUDIENCE, type TestServer } from '../helpers/server.js';
import { nowS } from '../helpers/tokens.js';

/**
 * Issue 11, item 7 (SPEC §3): weak keys are refused at registration with a 400 naming the
 * reason — through the back office, the onboarding form and the CLI (exit 2, one line) —
 * and RSA-PSS (id-RSASSA-PSS) public keys are accepted for PS256 instead of a 500.
 */

const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
const rsaJwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
const ecDer = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });
ecDer[ecDer.length - 1]! ^= 1; // y no longer fits x: not a point of P-256
const derPem = (der: Buffer) => `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
const ed25519 = (hex: string) =>
  derPem(Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(hex, 'hex')]));

const WEAK: Array<[string, string, RegExp]> = [
  ['RSA with exponent 1', spki(createPublicKey({ key: { ...rsaJwk, e: 'AQ' }, format: 'jwk' })), /exponent 1 /],
  [
    'RSA with an even exponent',
    spki(createPublicKey({ key: { ...rsaJwk, e: 'AQAC' }, format: 'jwk' })),
    /exponent 65538/,
  ],
  ['RSA of 1024 bits', spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), /at least 2048 bits/],
  ['an EC point not on P-256', derPem(ecDer), /not a point on its curve/],
  ['the Ed25519 identity', ed25519(`01${'00'.repeat(31)}`), /small order/],
  [
    'an Ed25519 point of order 8',
    ed25519('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa'),
    /small order/,
  ],
  ['an Ed25519 point of order 4', ed25519('00'.repeat(32)), /small order/],
];

const pss = generateKeyPairSync('rsa-pss', {
  modulusLength: 2048,
  hashAlgorithm: 'sha256',
  mgf1HashAlgorithm: 'sha256',
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

/** A PS256 token signed by Node's crypto (jose does not take RSA-PSS private keys). */
function signPs256(claims: object, header: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'PS256', ...header })}.${part(claims)}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: createPrivateKey(pss.privateKey),
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32,
  });
  return `${input}.${signature.toString('base64url')}`;
}

describe.each(inject('dialects'))('%s', (dialect) => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN, ONBOARDING_RATE_LIMIT: '0' } });
    await server.addConsumer('weak');
    dir = mkdtempSync(join(tmpdir(), 'finum-weak-keys-'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(WEAK)('%s: 400 naming the reason in the back office and the onboarding form', async (_name, pem, reason) => {
    const added = await adminApi(server).post('/admin/api/consumers/weak/keys', { publicKey: pem });
    expectProblem(added, 400, 'invalid-body', ['publicKey']);
    expect(added.body.detail).toMatch(reason);

    const applied = await fetchParsed(`${server.url}/onboarding/api/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        company: 'Weak Key GmbH',
        contactName: 'Anna Huber',
        email: 'anna@weak.example',
        phone: '+43 1 234 5678',
        intendedUse: 'Our broker CRM syncs the contracts of about 2,000 clients every night.',
        keySource: 'pasted',
        publicKey: pem,
      }),
    });
    expectProblem(applied, 400, 'invalid-body', ['publicKey']);
    expect(applied.body.detail).toMatch(reason);
  });

  it.each(WEAK.slice(0, 1).concat(WEAK.slice(4, 5)))(
    '%s: `consumer add` exits 2 with one line',
    async (_name, pem, reason) => {
      const file = join(dir, `weak-${Math.random().toString(36).slice(2)}.pem`);
      writeFileSync(file, pem);
      const result = await runCli(['consumer', 'add', '--id', 'weak-cli', '--public-key', file], {
        ...server.db.env,
        PUBLIC_URL: TEST_AUDIENCE,
      });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(reason);
    },
  );

  it('an RSA-PSS public key is accepted for PS256, and its tokens authenticate', async () => {
    const added = await adminApi(server).post('/admin/api/consumers/weak/keys', {
      publicKey: pss.publicKey,
      alg: 'PS256',
      kid: 'pss',
    });
    expect(added.status, added.text).toBe(201);
    expect(added.body.alg).toBe('PS256');
    const token = signPs256({ sub: 'weak', aud: TEST_AUDIENCE, exp: nowS() + 300 }, { kid: 'pss' });
    const res = await server.get('/v1/auth-status', undefined, bearer(token));
    expect(res.status, res.text).toBe(200);
  });

  it('an RSA-PSS key restricted to SHA-512 does not fit PS256: 400', async () => {
    const sha512 = generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha512' }).publicKey;
    const added = await adminApi(server).post('/admin/api/consumers/weak/keys', { publicKey: spki(sha512) });
    expectProblem(added, 400, 'invalid-body', ['publicKey']);
    expect(added.body.detail).toMatch(/sha512/);
  });
});
