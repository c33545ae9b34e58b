import { createPublicKey, type KeyObject } from 'node:crypto';
import { isKeyType, KEY_TYPES, type KeyTypeRule, SIGNING_ALGORITHMS } from '@finum-sync/spec';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { KeyAlgorithm } from '../store/port.js';

/** SPEC §3: the only algorithms a consumer key may have (the spec's table). */
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = SIGNING_ALGORITHMS;

export class KeyError extends Error {
  override name = 'KeyError';
}

export interface ParsedPublicKey {
  readonly alg: KeyAlgorithm;
  /** RFC 7638 JWK thumbprint unless given. */
  readonly kid: string;
  /** Normalized SPKI PEM. */
  readonly pem: string;
  readonly key: KeyObject;
}

/**
 * The encodings of Ed25519's points of small order (libsodium's blocklist, compared without
 * the sign bit): a signature under such a key can be forged without any private key.
 */
const ED25519_SMALL_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((hex) => Buffer.from(hex, 'hex'));

function isSmallOrderEd25519(key: KeyObject): boolean {
  const point = Buffer.from(String((key.export({ format: 'jwk' }) as JWK).x), 'base64url');
  if (point.length !== 32) return true;
  point[31]! &= 0x7f;
  return ED25519_SMALL_ORDER.some((bad) => bad.equals(point));
}

/**
 * The algorithms a key signs with, by the spec's key table, after the checks that keep
 * forgeable keys out (SPEC §3); a key refused is a KeyError naming the reason.
 */
function algorithmsFor(key: KeyObject): readonly KeyAlgorithm[] {
  const type = key.asymmetricKeyType;
  if (!isKeyType(type)) {
    throw new KeyError(`Key type ${type ?? 'unknown'} is not accepted: use RSA (≥ 2048 bits), EC P-256 or Ed25519.`);
  }
  const rule: KeyTypeRule = KEY_TYPES[type];
  const algorithms = KEY_TYPES[type].algorithms;
  const details = key.asymmetricKeyDetails ?? {};
  if (rule.minModulusLength !== undefined) {
    if ((details.modulusLength ?? 0) < rule.minModulusLength) {
      throw new KeyError(
        `RSA keys need at least ${rule.minModulusLength} bits; this one has ${details.modulusLength ?? 'unknown'}.`,
      );
    }
    const exponent = details.publicExponent ?? 0n;
    if (exponent < 3n || exponent % 2n === 0n) {
      throw new KeyError(
        `The RSA public exponent ${exponent} is refused (1 and even exponents make signatures forgeable); use 65537.`,
      );
    }
  }
  if (type === 'rsa-pss') {
    // An RSA-PSS key may be restricted to a hash: PS256 needs SHA-256 (for MGF1 too) when it is.
    for (const hash of [details.hashAlgorithm, details.mgf1HashAlgorithm]) {
      if (hash !== undefined && hash !== 'sha256') {
        throw new KeyError(`This RSA-PSS key is restricted to ${hash}; PS256 needs SHA-256.`);
      }
    }
  }
  if (rule.namedCurve !== undefined && details.namedCurve !== rule.namedCurve) {
    throw new KeyError(`EC keys must be on P-256 (ES256); this one is on ${details.namedCurve ?? 'an unknown curve'}.`);
  }
  if (type === 'ed25519' && isSmallOrderEd25519(key)) {
    throw new KeyError('This Ed25519 key is a point of small order: signatures under it can be forged.');
  }
  return algorithms;
}

/** DER of the object identifiers looked for: id-ecPublicKey (1.2.840.10045.2.1). */
const EC_PUBLIC_KEY_OID = Buffer.from('06072a8648ce3d0201', 'hex');
/** AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }. */
const RSA_ENCRYPTION_ALGORITHM = Buffer.from('300d06092a864886f70d0101010500', 'hex');

/** Whether the DER inside a PEM holds an object identifier (for a refusal's reason only). */
function holdsOid(pem: string, oid: Buffer): boolean {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return Buffer.from(body, 'base64').includes(oid);
}

/** One DER element at `at`: where its content starts and where it ends. */
function derElement(der: Buffer, at: number): { content: number; end: number } {
  const first = der[at + 1]!;
  if (first < 0x80) return { content: at + 2, end: at + 2 + first };
  const count = first & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + der[at + 2 + i]!;
  return { content: at + 2 + count, end: at + 2 + count + length };
}

const derLength = (n: number) =>
  n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);

/**
 * The SPKI of an RSA-PSS key (id-RSASSA-PSS) rewritten as rsaEncryption: the same
 * subjectPublicKey (modulus and exponent), another AlgorithmIdentifier.
 */
function asRsaEncryption(key: KeyObject): KeyObject {
  const der = key.export({ format: 'der', type: 'spki' });
  const outer = derElement(der, 0);
  const algorithm = derElement(der, outer.content);
  const publicKey = der.subarray(algorithm.end, derElement(der, algorithm.end).end);
  const content = Buffer.concat([RSA_ENCRYPTION_ALGORITHM, publicKey]);
  const spki = Buffer.concat([Buffer.from([0x30]), derLength(content.length), content]);
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/**
 * Parses a consumer's public key (SPKI PEM, or a private key from which the public one
 * is taken is refused: we never want to hold it). Checks it fits the algorithm; picks the
 * algorithm from the key when none is given (RSA → RS256).
 */
export async function parsePublicKey(
  pem: string,
  options: { alg?: string; kid?: string } = {},
): Promise<ParsedPublicKey> {
  if (/PRIVATE KEY/.test(pem)) {
    throw new KeyError('This is a private key. Register the public key only; keep the private key to yourself.');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem.trim(), format: 'pem' });
  } catch {
    if (holdsOid(pem, EC_PUBLIC_KEY_OID)) {
      throw new KeyError('The EC public key is not a point on its curve (P-256 keys are checked).');
    }
    throw new KeyError('Not a PEM public key (expected -----BEGIN PUBLIC KEY-----).');
  }
  const fits = algorithmsFor(key);
  let alg: KeyAlgorithm;
  if (options.alg === undefined) {
    alg = fits[0]!;
  } else if (!KEY_ALGORITHMS.includes(options.alg as KeyAlgorithm)) {
    throw new KeyError(`Algorithm ${options.alg} is not accepted; use one of ${KEY_ALGORITHMS.join(', ')}.`);
  } else if (!fits.includes(options.alg as KeyAlgorithm)) {
    throw new KeyError(`Algorithm ${options.alg} does not fit this key; it fits ${fits.join(' or ')}.`);
  } else {
    alg = options.alg as KeyAlgorithm;
  }
  // JWK export and WebCrypto (jose) take RSA keys only as rsaEncryption: an RSA-PSS key is
  // kept as the same modulus and exponent under that identifier, for PS256.
  if (key.asymmetricKeyType === 'rsa-pss') key = asRsaEncryption(key);
  const jwk = key.export({ format: 'jwk' }) as JWK;
  const kid = options.kid ?? (await calculateJwkThumbprint(jwk, 'sha256'));
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(kid)) {
    throw new KeyError('A key id (kid) is 1–128 characters of letters, digits, `_`, `.`, `:` and `-`.');
  }
  return { alg, kid, pem: key.export({ format: 'pem', type: 'spki' }).toString(), key };
}
