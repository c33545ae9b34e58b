import { type CryptoKey, importJWK, importPKCS8, type JWK, type KeyObject, SignJWT } from 'jose';
import { CLOCK_SKEW_S, KEY_TYPES } from './generated/spec-data.js';
import type { KeyType, SigningAlgorithm } from './types.js';

export type { SigningAlgorithm };

/**
 * A private key in any form the platform offers: PKCS#8 PEM text, a JWK, a Web Crypto
 * `CryptoKey`, or (on Node) a `KeyObject`.
 *
 * @example
 * const pem: PrivateKeyInput = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49…\n-----END PRIVATE KEY-----\n';
 * const jwk: PrivateKeyInput = { kty: 'OKP', crv: 'Ed25519', x: '…', d: '…' };
 * const finum = createClient({ baseUrl, payload, privateKey: jwk });
 */
export type PrivateKeyInput = string | JWK | CryptoKey | KeyObject;

/**
 * The options of {@link signToken}: the payload from onboarding and the key that signs it.
 *
 * @example
 * const options: TokenOptions = {
 *   payload: { sub: 'acme-broker', aud: 'https://syncapi.insurer.example' },
 *   privateKey: pem,
 *   ttlSeconds: 600,
 *   kid: 'acme-2026',
 * };
 * const jwt = await signToken(options);
 */
export interface TokenOptions {
  /** The JWT payload from onboarding: at least `sub` and `aud`. `iat` and `exp` are added. */
  payload: Record<string, unknown>;
  /** PKCS#8 PEM, JWK, `CryptoKey` or `KeyObject`. */
  privateKey: PrivateKeyInput;
  /** Seconds until `exp` (default 3600, the providers' default maximum). */
  ttlSeconds?: number;
  /** Defaults from the key: RSA → RS256, RSA-PSS → PS256, P-256 → ES256, Ed25519 → EdDSA. */
  alg?: SigningAlgorithm;
  /** Picks one of several registered keys. */
  kid?: string;
  /** Epoch milliseconds; defaults to now. */
  now?: number;
}

/** PKCS#8 algorithm OIDs (DER bytes, hex) → the spec's key type. */
const OIDS: Record<string, KeyType> = {
  '2a864886f70d010101': 'rsa',
  '2a864886f70d01010a': 'rsa-pss',
  '2a8648ce3d0201': 'ec',
  '2b6570': 'ed25519',
};
const P256_OID = '2a8648ce3d030107';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Reads one DER TLV at `at`: its tag, where its content starts and ends. */
function tlv(der: Uint8Array, at: number): { tag: number; start: number; end: number } {
  const tag = der[at]!;
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + der[start + i]!;
    start += n;
  }
  return { tag, start, end: start + length };
}

/** The key type of a PKCS#8 PEM: `PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, … }`. */
function pkcs8KeyType(pem: string): { type: KeyType; curve?: string } {
  const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----|\s/g, '');
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  const info = tlv(der, 0);
  const version = tlv(der, info.start);
  const algId = tlv(der, version.end);
  const oid = tlv(der, algId.start);
  const type = OIDS[hex(der.subarray(oid.start, oid.end))];
  if (!type || oid.tag !== 0x06)
    throw new Error('The private key is of a type FiNUM Sync tokens cannot be signed with.');
  if (type !== 'ec') return { type };
  const curve = tlv(der, oid.end);
  return { type, curve: curve.tag === 0x06 ? hex(der.subarray(curve.start, curve.end)) : '' };
}

const isKeyObject = (key: object): key is KeyObject => 'asymmetricKeyType' in key;
const isCryptoKey = (key: object): key is CryptoKey => 'algorithm' in key && 'usages' in key;

/**
 * The algorithm a private key signs FiNUM Sync tokens with. Throws for keys the API does
 * not accept (EC curves other than P-256, symmetric keys…).
 *
 * @example
 * algorithmForKey(pem); // 'ES256' for a P-256 key
 */
export function algorithmForKey(key: PrivateKeyInput): SigningAlgorithm {
  let type: string | undefined;
  // The one EC curve the spec admits (P-256), by its name in each key form.
  let p256 = false;
  if (typeof key === 'string') {
    if (!/-----BEGIN PRIVATE KEY-----/.test(key)) {
      throw new Error(
        'The private key must be PKCS#8 PEM (-----BEGIN PRIVATE KEY-----); convert it with `openssl pkcs8 -topk8 -nocrypt`, or read it with readPrivateKeyFile from @finum-sync/client/node.',
      );
    }
    const info = pkcs8KeyType(key);
    type = info.type;
    p256 = info.curve === P256_OID;
  } else if (isKeyObject(key)) {
    const node = key as { asymmetricKeyType?: string; asymmetricKeyDetails?: { namedCurve?: string } };
    type = node.asymmetricKeyType;
    p256 = node.asymmetricKeyDetails?.namedCurve === KEY_TYPES.ec.namedCurve;
  } else if (isCryptoKey(key)) {
    // Web Crypto's algorithm names → the spec's key types.
    const algorithm = key.algorithm as { name: string; namedCurve?: string };
    type = { 'RSASSA-PKCS1-v1_5': 'rsa', 'RSA-PSS': 'rsa-pss', ECDSA: 'ec', Ed25519: 'ed25519' }[algorithm.name];
    p256 = algorithm.namedCurve === KEY_TYPES.ec.jwk.crv;
  } else {
    // A JWK, by its `kty` and `crv` as the spec's key table gives them; an RSA JWK marked PS256 signs PS256.
    type = Object.entries(KEY_TYPES).find(
      ([, def]) => def.jwk.kty === key.kty && (!('crv' in def.jwk) || def.jwk.crv === key.crv),
    )?.[0];
    p256 = key.crv === KEY_TYPES.ec.jwk.crv;
    if (type === 'rsa' && key.alg === 'PS256') return 'PS256';
  }
  if (type === 'ec' && !p256) throw new Error('EC keys must be on P-256 (ES256).');
  if (!type || !Object.hasOwn(KEY_TYPES, type)) {
    throw new Error(`Key type ${type ?? 'unknown'} cannot sign FiNUM Sync tokens; use RSA, EC P-256 or Ed25519.`);
  }
  // The first algorithm of the key type's row in the spec's table is its default.
  return KEY_TYPES[type as KeyType].algorithms[0];
}

/** A key ready for signing: imported once, used for every token. */
export interface SigningKey {
  alg: SigningAlgorithm;
  key: CryptoKey | KeyObject;
}

/**
 * Imports a private key once (PEM and JWK become a non-extractable `CryptoKey`).
 *
 * @example
 * const { alg, key } = await importSigningKey(pem); // alg 'ES256' for a P-256 key
 */
export async function importSigningKey(privateKey: PrivateKeyInput, alg?: SigningAlgorithm): Promise<SigningKey> {
  const chosen = alg ?? algorithmForKey(privateKey);
  if (typeof privateKey === 'string') return { alg: chosen, key: await importPKCS8(privateKey, chosen) };
  if (isKeyObject(privateKey) || isCryptoKey(privateKey)) return { alg: chosen, key: privateKey };
  const key = await importJWK(privateKey, chosen);
  if (key instanceof Uint8Array) throw new Error('A symmetric JWK cannot sign FiNUM Sync tokens.');
  return { alg: chosen, key };
}

async function sign(key: SigningKey, payload: Record<string, unknown>, iat: number, ttl: number, kid?: string) {
  const { iat: _iat, exp: _exp, ...claims } = payload;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: 'JWT', ...(kid ? { kid } : {}) })
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(key.key);
}

/**
 * Signs a FiNUM Sync bearer token (SPEC §3) with the consumer's private key. A client made
 * with `createClient` does this itself (and caches the token); use this for other tools.
 *
 * @example
 * const jwt = await signToken({ payload: { sub: 'acme-broker', aud: 'https://syncapi.example.com' }, privateKey: pem });
 * await fetch(`${base}/v1/auth-status`, { headers: { authorization: `Bearer ${jwt}` } });
 */
export async function signToken(options: TokenOptions): Promise<string> {
  const key = await importSigningKey(options.privateKey, options.alg);
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  return sign(key, options.payload, iat, options.ttlSeconds ?? 3600, options.kid);
}

/**
 * The options of {@link createTokenSource} (what {@link createClient} passes from its own options).
 *
 * @example
 * const options: TokenSourceOptions = {
 *   payload: { sub: 'acme-broker', aud: 'https://syncapi.insurer.example' },
 *   privateKey: pem,
 *   ttlSeconds: 900,
 *   renewBeforeSeconds: 120,
 * };
 * const tokens = createTokenSource(options);
 */
export interface TokenSourceOptions {
  payload: Record<string, unknown>;
  privateKey: PrivateKeyInput;
  alg?: SigningAlgorithm;
  kid?: string;
  /** Lifetime of each token, seconds (default 900). */
  ttlSeconds?: number;
  /**
   * Renew this long before `exp`, seconds (default 120): the providers' clock-skew tolerance
   * (60 s: their clock may be ahead of ours) plus 60 s for a request still in flight.
   */
  renewBeforeSeconds?: number;
  /** The clock, epoch milliseconds (injectable for tests). */
  now?: () => number;
}

/** Hands out a cached token, signing a new one only when the cached one nears its expiry. */
/**
 * Cached bearer tokens: `token()` signs only when the cached one is about to expire.
 *
 * @example
 * const tokens: TokenSource = finum.tokens; // or createTokenSource({ payload, privateKey })
 * const jwt = await tokens.token();
 * tokens.invalidate(); // after a 401: the next token() signs anew
 * console.log(`${tokens.signed} tokens signed`);
 */
export interface TokenSource {
  token(): Promise<string>;
  /** Forgets the cached token (after a 401): the next `token()` signs a new one. */
  invalidate(): void;
  /** How many tokens were signed so far. */
  readonly signed: number;
}

/**
 * A token cache: one signature per token lifetime, never one per request. Concurrent
 * callers share a signing in progress.
 *
 * @example
 * const tokens = createTokenSource({ payload, privateKey: pem });
 * const headers = { authorization: `Bearer ${await tokens.token()}` };
 */
export function createTokenSource(options: TokenSourceOptions): TokenSource {
  const now = options.now ?? Date.now;
  const ttl = options.ttlSeconds ?? 900;
  const renewBefore = Math.min(options.renewBeforeSeconds ?? CLOCK_SKEW_S + 60, ttl / 2);
  let key: Promise<SigningKey> | undefined;
  let current: { jwt: Promise<string>; renewAt: number } | undefined;
  let signed = 0;
  return {
    token() {
      const at = now();
      if (current && at < current.renewAt) return current.jwt;
      key ??= importSigningKey(options.privateKey, options.alg);
      const iat = Math.floor(at / 1000);
      const jwt = key.then((k) => sign(k, options.payload, iat, ttl, options.kid));
      signed++;
      const entry = { jwt, renewAt: (iat + ttl - renewBefore) * 1000 };
      current = entry;
      // A failed signing is not cached.
      jwt.catch(() => {
        if (current === entry) current = undefined;
        key = undefined;
      });
      return jwt;
    },
    invalidate() {
      current = undefined;
    },
    get signed() {
      return signed;
    },
  };
}
