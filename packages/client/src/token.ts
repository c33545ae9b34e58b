import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

export type SigningAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

export interface TokenOptions {
  /** The JWT payload from onboarding: at least `sub` and `aud`. `iat` and `exp` are added. */
  payload: Record<string, unknown>;
  /** PKCS#8 (or PKCS#1 / SEC1) PEM private key. */
  privateKey: string | KeyObject;
  /** Seconds until `exp` (default 3600, the providers' default maximum). */
  ttlSeconds?: number;
  /** Defaults from the key: RSA → RS256, P-256 → ES256, Ed25519 → EdDSA. */
  alg?: SigningAlgorithm;
  /** Picks one of several registered keys. */
  kid?: string;
  /** Epoch milliseconds; defaults to now. */
  now?: number;
}

/** The algorithm a private key signs with by default. */
export function algorithmForKey(key: KeyObject): SigningAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'ec':
      if (key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
      throw new Error('EC keys must be on P-256 (ES256).');
    case 'ed25519':
      return 'EdDSA';
    default:
      throw new Error(`Key type ${key.asymmetricKeyType} cannot sign FiNUM Sync tokens; use RSA, EC P-256 or Ed25519.`);
  }
}

/**
 * Signs a FiNUM Sync bearer token (SPEC §3) with the consumer's private key.
 *
 * @example
 * const jwt = await signToken({ payload: { sub: 'acme-broker', aud: 'https://syncapi.example.com' }, privateKey: pem });
 * await fetch(`${base}/v1/auth-status`, { headers: { authorization: `Bearer ${jwt}` } });
 */
export async function signToken(options: TokenOptions): Promise<string> {
  const key = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
  const alg = options.alg ?? algorithmForKey(key);
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const { iat: _iat, exp: _exp, ...claims } = options.payload;
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT', ...(options.kid ? { kid: options.kid } : {}) })
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.ttlSeconds ?? 3600))
    .sign(key);
}

export interface KeyPairPem {
  alg: SigningAlgorithm;
  /** PKCS#8 PEM: stays with the consumer. */
  privateKey: string;
  /** SPKI PEM: registered with the provider. */
  publicKey: string;
}

/** Generates a key pair for a consumer (default ES256). */
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
