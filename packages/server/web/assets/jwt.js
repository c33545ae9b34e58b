// JWTs and keys in the browser: nothing is sent anywhere. Tokens are signed by the consumer
// SDK's `signToken` (its browser bundle, served from this origin); what is here reads the pasted
// key first, to say exactly what is wrong with it. Key pairs come from WebCrypto (the SDK's
// `generateKeyPair` is in its Node-only entry). Keys are PKCS#8 (private) and SPKI (public)
// PEM; algorithms are those of SPEC §3.
import { signToken } from './finum-sync-client.js';

/** A message for the person at the keyboard: what is wrong with their input. */
export class InputError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

/** The JSON of a token's header or payload part (base64url). */
function decodePart(part) {
  const bytes = Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function toPem(der, label) {
  let binary = '';
  for (const b of new Uint8Array(der)) binary += String.fromCharCode(b);
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The DER bytes of a PKCS#8 private key PEM, or an {@link InputError} that says what it is instead. */
export function privateKeyDer(pem) {
  const text = pem.trim();
  if (!text) throw new InputError('privateKey', 'Paste a private key (PKCS#8 PEM: -----BEGIN PRIVATE KEY-----).');
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
  if (label === 'PUBLIC KEY') {
    throw new InputError(
      'privateKey',
      'This is a public key: signing needs the private key (-----BEGIN PRIVATE KEY-----).',
    );
  }
  if (label === 'RSA PRIVATE KEY' || label === 'EC PRIVATE KEY') {
    throw new InputError(
      'privateKey',
      `Not a PKCS#8 private key (this is ${label.startsWith('RSA') ? 'PKCS#1' : 'SEC1'}): convert it with "openssl pkcs8 -topk8 -nocrypt -in key.pem".`,
    );
  }
  if (label === 'ENCRYPTED PRIVATE KEY') {
    throw new InputError(
      'privateKey',
      'This private key is encrypted: decrypt it first ("openssl pkcs8 -in key.pem").',
    );
  }
  const body = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(text)?.[1];
  if (body === undefined) {
    throw new InputError(
      'privateKey',
      'Not a PKCS#8 private key: expected -----BEGIN PRIVATE KEY----- … -----END PRIVATE KEY-----.',
    );
  }
  try {
    return Uint8Array.from(atob(body.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  } catch {
    throw new InputError('privateKey', 'Not a PKCS#8 private key: the text between the PEM lines is not base64.');
  }
}

// Object identifiers (DER content bytes, hex) of the key types in a PKCS#8 AlgorithmIdentifier.
const OIDS = {
  '2a864886f70d010101': 'rsa',
  '2a864886f70d01010a': 'rsa-pss',
  '2a8648ce3d0201': 'ec',
  '2b6570': 'ed25519',
  '2b6571': 'ed448',
};
const P256 = '2a8648ce3d030107';

/** Reads a DER tag-length-value at `offset`: `{ tag, start, end }` of its contents. */
function tlv(der, offset) {
  const tag = der[offset];
  let length = der[offset + 1];
  let start = offset + 2;
  if (tag === undefined || length === undefined) throw new Error('truncated');
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i];
    start += count;
  }
  if (start + length > der.length) throw new Error('truncated');
  return { tag, start, end: start + length };
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * What kind of key a PKCS#8 DER holds: `rsa`, `rsa-pss`, `ec-p256`, `ed25519`, and the
 * algorithms it may sign with. Refuses the kinds SPEC §3 does not accept.
 */
export function keyKind(der) {
  let kind;
  let curve;
  try {
    const info = tlv(der, 0); // PrivateKeyInfo SEQUENCE
    const version = tlv(der, info.start); // INTEGER
    const algorithm = tlv(der, version.end); // AlgorithmIdentifier SEQUENCE
    const oid = tlv(der, algorithm.start);
    if (info.tag !== 0x30 || version.tag !== 0x02 || algorithm.tag !== 0x30 || oid.tag !== 0x06)
      throw new Error('shape');
    kind = OIDS[hex(der.subarray(oid.start, oid.end))];
    if (oid.end < algorithm.end && der[oid.end] === 0x06) {
      const parameter = tlv(der, oid.end);
      curve = hex(der.subarray(parameter.start, parameter.end));
    }
  } catch {
    throw new InputError('privateKey', 'Not a PKCS#8 private key: its contents cannot be read.');
  }
  switch (kind) {
    case 'rsa':
      return { kind, algorithms: ['RS256', 'PS256'], label: 'RSA' };
    case 'rsa-pss':
      return { kind, algorithms: ['PS256'], label: 'RSA-PSS' };
    case 'ec':
      if (curve !== P256)
        throw new InputError('privateKey', 'This EC key is not on P-256: only P-256 (ES256) is accepted.');
      return { kind: 'ec-p256', algorithms: ['ES256'], label: 'EC P-256' };
    case 'ed25519':
      return { kind, algorithms: ['EdDSA'], label: 'Ed25519' };
    case 'ed448':
      throw new InputError('privateKey', 'Ed448 keys are not accepted: use Ed25519, EC P-256 or RSA.');
    default:
      throw new InputError('privateKey', 'This key type is not accepted: use RSA (≥ 2048 bits), EC P-256 or Ed25519.');
  }
}

/** WebCrypto exists only in secure contexts (https, localhost). */
export function subtleCrypto() {
  if (!globalThis.crypto?.subtle) {
    throw new InputError(
      '',
      'This browser cannot sign here: WebCrypto needs a secure context. Open this page over https (or on localhost).',
    );
  }
  return crypto.subtle;
}

/** The payload text as a claims object with `sub` and `aud`. */
export function parsePayload(text) {
  let payload;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new InputError('payload', `The payload is not JSON: ${error.message}.`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InputError('payload', 'The payload must be a JSON object such as {"sub": "…", "aud": "…"}.');
  }
  const missing = ['sub', 'aud'].filter((claim) => typeof payload[claim] !== 'string' || payload[claim] === '');
  if (missing.length) {
    throw new InputError('payload', `The payload needs sub and aud (missing: ${missing.join(', ')}).`);
  }
  return payload;
}

/**
 * Signs a JWT with the SDK: `iat` now and `exp` after `lifetimeSeconds` are set (replacing
 * any given). Returns the token and what went into it.
 */
export async function signJwt({ payloadText, privateKeyPem, alg, kid, lifetimeSeconds, now = Date.now() }) {
  const claims = parsePayload(payloadText);
  const kind = keyKind(privateKeyDer(privateKeyPem));
  const algorithm = alg && kind.algorithms.includes(alg) ? alg : kind.algorithms[0];
  subtleCrypto();
  let token;
  try {
    token = await signToken({
      payload: claims,
      privateKey: privateKeyPem,
      alg: algorithm,
      ttlSeconds: lifetimeSeconds,
      now,
      ...(kid ? { kid } : {}),
    });
  } catch (error) {
    if (/modulusLength/.test(error.message)) {
      throw new InputError('privateKey', 'RSA keys need at least 2048 bits; this one is shorter.');
    }
    const hint = algorithm === 'EdDSA' ? ' (this browser may not support Ed25519 in WebCrypto)' : '';
    throw new InputError(
      'privateKey',
      `The private key cannot be used for ${algorithm}${hint}: ${error.message || error.name}.`,
    );
  }
  const [header, body] = token.split('.').slice(0, 2).map(decodePart);
  return { token, header, claims: body, keyLabel: kind.label };
}

const GENERATE = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  EdDSA: { name: 'Ed25519' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
};

/** A new key pair as PEM: PKCS#8 private key (stays here), SPKI public key (registered). */
export async function generateKeyPair(alg = 'ES256') {
  const subtle = subtleCrypto();
  const pair = await subtle.generateKey(GENERATE[alg], true, ['sign', 'verify']);
  const [privateDer, publicDer] = await Promise.all([
    subtle.exportKey('pkcs8', pair.privateKey),
    subtle.exportKey('spki', pair.publicKey),
  ]);
  return { alg, privateKey: toPem(privateDer, 'PRIVATE KEY'), publicKey: toPem(publicDer, 'PUBLIC KEY') };
}
