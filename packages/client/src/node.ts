/**
 * `@finum-sync/client/node`: what only Node has — key files, key generation with
 * `node:crypto`, and a `fetch` that goes through the proxy `HTTPS_PROXY`/`NO_PROXY` name.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { EnvHttpProxyAgent } from 'undici';
import type { FetchLike } from './transport.js';
import type { SigningAlgorithm } from './types.js';

export * from './index.js';

/**
 * Reads a PEM private key file (PKCS#8, PKCS#1 `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY`)
 * into a `KeyObject` that `createClient` and `signToken` take.
 *
 * @example
 * const finum = createClient({ baseUrl, payload, privateKey: readPrivateKeyFile('acme.private.pem') });
 */
export function readPrivateKeyFile(path: string): KeyObject {
  return createPrivateKey({ key: readFileSync(path, 'utf8'), format: 'pem' });
}

/**
 * What {@link generateKeyPair} returns: the algorithm and the key pair as PEM text.
 *
 * @example
 * const pair: KeyPairPem = generateKeyPair('ES256');
 * writeFileSync('acme.private.pem', pair.privateKey, { mode: 0o600 });
 * console.log(`register this ${pair.alg} key with the provider:\n${pair.publicKey}`);
 */
export interface KeyPairPem {
  alg: SigningAlgorithm;
  /** PKCS#8 PEM: stays with the consumer. */
  privateKey: string;
  /** SPKI PEM: registered with the provider. */
  publicKey: string;
}

/**
 * Generates a key pair for a consumer (default ES256).
 *
 * @example
 * const { privateKey, publicKey } = generateKeyPair('ES256');
 */
export function generateKeyPair(alg: SigningAlgorithm = 'ES256'): KeyPairPem {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : // RS256 and PS256 both sign with a plain RSA key.
          generateKeyPairSync('rsa', { modulusLength: 3072 });
  return {
    alg,
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * The RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key: the key id (`kid`) a
 * provider gives a key registered without one.
 *
 * @example
 * const kid = await keyThumbprint(generateKeyPair('EdDSA').publicKey);
 */
export async function keyThumbprint(publicKeyPem: string): Promise<string> {
  return calculateJwkThumbprint(createPublicKey(publicKeyPem).export({ format: 'jwk' }) as JWK, 'sha256');
}

/**
 * A `fetch` that sends requests through the proxy named by `HTTPS_PROXY` / `HTTP_PROXY`
 * (minus the hosts of `NO_PROXY`), using undici's `EnvHttpProxyAgent`. Without those
 * variables it connects directly.
 *
 * @example
 * const finum = createClient({ baseUrl, payload, privateKey, fetch: proxyFetchFromEnv() });
 */
export function proxyFetchFromEnv(options: ConstructorParameters<typeof EnvHttpProxyAgent>[0] = {}): FetchLike {
  // undici (a hundred modules) is loaded here, not when this entry is imported: every command of
  // the CLI imports it, and most never need a proxy. It is CommonJS, so it loads synchronously
  // and a bad option still throws here rather than on the first request.
  const undici = requireHere('undici') as typeof import('undici');
  const dispatcher = new undici.EnvHttpProxyAgent(options);
  return (input, init) =>
    undici.fetch(input, {
      ...(init as Parameters<typeof undici.fetch>[1]),
      dispatcher,
    }) as Promise<Response>;
}

const requireHere = createRequire(import.meta.url);
