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

/** The algorithms a key signs with, by the spec's key table; a key the table refuses is a KeyError. */
function algorithmsFor(key: KeyObject): readonly KeyAlgorithm[] {
  const type = key.asymmetricKeyType;
  if (!isKeyType(type)) {
    throw new KeyError(`Key type ${type ?? 'unknown'} is not accepted: use RSA (≥ 2048 bits), EC P-256 or Ed25519.`);
  }
  const rule: KeyTypeRule = KEY_TYPES[type];
  const details = key.asymmetricKeyDetails ?? {};
  if (rule.minModulusLength !== undefined && (details.modulusLength ?? 0) < rule.minModulusLength) {
    throw new KeyError(
      `RSA keys need at least ${rule.minModulusLength} bits; this one has ${details.modulusLength ?? 'unknown'}.`,
    );
  }
  if (rule.namedCurve !== undefined && details.namedCurve !== rule.namedCurve) {
    throw new KeyError(`EC keys must be on P-256 (ES256); this one is on ${details.namedCurve ?? 'an unknown curve'}.`);
  }
  return KEY_TYPES[type].algorithms;
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
  const jwk = key.export({ format: 'jwk' }) as JWK;
  const kid = options.kid ?? (await calculateJwkThumbprint(jwk, 'sha256'));
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(kid)) {
    throw new KeyError('A key id (kid) is 1–128 characters of letters, digits, `_`, `.`, `:` and `-`.');
  }
  return { alg, kid, pem: key.export({ format: 'pem', type: 'spki' }).toString(), key };
}
