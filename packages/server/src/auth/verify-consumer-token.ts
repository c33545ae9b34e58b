import { createPublicKey } from 'node:crypto';
import { type CryptoKey, compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload, type KeyObject } from 'jose';
import type { KeyAlgorithm } from '../store/port.js';
import { KEY_ALGORITHMS } from './public-key.js';

/**
 * SPEC §3 as a function: (token, key lookup, rules, clock) → the consumer, or the rule
 * that failed. No I/O of its own: keys come from the lookup.
 */

export interface VerificationKey {
  readonly kid: string;
  readonly alg: KeyAlgorithm;
  readonly key: CryptoKey | KeyObject;
  /** The key material's identity (algorithm and SPKI hash): a new key reusing a `kid` has another. */
  readonly fingerprint: string;
}

export interface ConsumerKeys {
  readonly status: 'active' | 'disabled';
  readonly keys: readonly VerificationKey[];
}

export type KeyLookup = (consumerId: string) => ConsumerKeys | undefined;

export interface TokenRules {
  /** The provider's audience (`PUBLIC_URL` by default). */
  readonly audience: string;
  /** `exp` may lie at most this far ahead (`MAX_TOKEN_LIFETIME`). */
  readonly maxLifetimeS: number;
  /** Clock skew tolerance. */
  readonly skewS: number;
}

/** The time claims of a token: all that is checked again on every use of a verified token. */
export interface TimeClaims {
  readonly exp: number;
  readonly nbf?: unknown;
  readonly iat?: unknown;
}

export interface VerifiedToken {
  readonly consumerId: string;
  readonly kid: string;
  /** {@link VerificationKey.fingerprint} of the key that verified it. */
  readonly keyFingerprint: string;
  readonly claims: TimeClaims;
}

/** Which rule a refused token broke: a stable code for metrics and logs. */
export type AuthFailureCode =
  | 'malformed'
  | 'algorithm'
  | 'missing-sub'
  | 'unknown-consumer'
  | 'disabled'
  | 'unknown-kid'
  | 'algorithm-mismatch'
  | 'bad-signature'
  | 'missing-exp'
  | 'expired'
  | 'lifetime'
  | 'iat-future'
  | 'not-yet-valid'
  | 'audience';

/**
 * Refusals that depend on the key ring (who the consumers are, their status and keys), not
 * on the token alone: checked again against the latest ring before they stand, and answered
 * with one sentence that does not tell which (whether a consumer id exists, which keys it has).
 */
export const KEY_RING_FAILURES: ReadonlySet<AuthFailureCode> = new Set([
  'unknown-consumer',
  'disabled',
  'unknown-kid',
  'algorithm-mismatch',
  'bad-signature',
]);

export interface TokenFailure {
  ok: false;
  code: AuthFailureCode;
  /** For the consumer: what was wrong, in a sentence. */
  reason: string;
}

export type TokenResult = { ok: true; token: VerifiedToken } | TokenFailure;

/**
 * Longer tokens are refused before anything is decoded: a consumer's token (header, the
 * claims of SPEC §3, a signature of an RSA key up to 8192 bits) is well under 2 KiB.
 */
export const MAX_TOKEN_LENGTH = 8192;

const fail = (code: AuthFailureCode, reason: string): TokenFailure => ({ ok: false, code, reason });

/**
 * Token text echoed in a reason (which also goes into `WWW-Authenticate`): at most `max`
 * characters, anything but printable ASCII replaced, so no header can break.
 */
const shown = (value: unknown, max: number) =>
  String(value)
    .slice(0, max)
    .replace(/[^\x20-\x7e]/g, '?');

/**
 * A claim's time for a message: ISO 8601 when it is a date JavaScript can show, else the
 * number itself (a huge or odd `exp` must not turn a refusal into an error).
 */
const when = (seconds: number) =>
  Math.abs(seconds) <= 8.64e12 ? new Date(seconds * 1000).toISOString() : `${shown(seconds, 32)} s since 1970`;

/** The time claims; run on every request, also for cached tokens. */
export function checkTimes(
  payload: JWTPayload | TimeClaims,
  rules: TokenRules,
  nowMs: number,
): TokenFailure | undefined {
  const now = nowMs / 1000;
  const { exp, nbf, iat } = payload;
  if (exp === undefined) {
    return fail(
      'missing-exp',
      "The token has no 'exp' claim; add an expiry (at most MAX_TOKEN_LIFETIME seconds ahead).",
    );
  }
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    return fail('missing-exp', "The token's 'exp' claim is not a number of seconds.");
  }
  if (exp + rules.skewS < now) return fail('expired', `The token expired at ${when(exp)}.`);
  if (exp - now > rules.maxLifetimeS + rules.skewS) {
    return fail(
      'lifetime',
      `The token's 'exp' lies more than ${rules.maxLifetimeS} s ahead; the maximum token lifetime is ${rules.maxLifetimeS} s.`,
    );
  }
  if (iat !== undefined && (typeof iat !== 'number' || iat - rules.skewS > now)) {
    return fail('iat-future', "The token's 'iat' lies in the future.");
  }
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf - rules.skewS > now)) {
    return fail('not-yet-valid', `The token is not valid before ${typeof nbf === 'number' ? when(nbf) : "its 'nbf'"}.`);
  }
  return undefined;
}

/** The time claims and the audience. */
export function checkClaims(payload: JWTPayload, rules: TokenRules, nowMs: number): TokenFailure | undefined {
  const timeError = checkTimes(payload, rules, nowMs);
  if (timeError) return timeError;
  const { aud } = payload;
  const audiences = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
  if (!audiences.includes(rules.audience)) {
    return fail(
      'audience',
      aud === undefined
        ? `The token has no 'aud' claim; it must be '${rules.audience}'.`
        : `Wrong audience: 'aud' must be '${rules.audience}'.`,
    );
  }
  return undefined;
}

/** Checks a token's signature with one key: true when it verifies. */
export type SignatureCheck = (token: string, key: CryptoKey | KeyObject, alg: KeyAlgorithm) => Promise<boolean>;

const checkSignature: SignatureCheck = async (token, key, alg) => {
  try {
    await compactVerify(token, key, { algorithms: [alg] });
    return true;
  } catch {
    return false;
  }
};

/**
 * Public keys whose private keys nobody has (generated once, private halves dropped), one of
 * each key type. A token refused for its `sub` (unknown, disabled) or its key (no such `kid`,
 * another algorithm) is still checked against one of them, so that it costs what a bad
 * signature costs: else the answer's timing tells which consumer ids exist (SPEC §4).
 */
const DECOY_KEYS = {
  rsa: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxVn8oqmXw7I7hji81QmWjneuuK5pL6JJfjrfK4bmkNGs72g4Zdv7vuhbyZSpXRkat34EpWzHZxoIZ0Km9ADJ+9tEZsCmOry+E3ejKs7k1nwpPufJ/uErxy4Pc9aSUpLfHaZL+dZNnBcCy3GLDJLKmo7bqSlrvI+m8yETwWB9tRwb1Hyj9wi3cZDRn+0RdRXHaKTllHwnAvWdWCCtyKCr00uyYXJEGN+VjKUMDmL+5+EsCGNobRZwG91TWh2Rt9k2Wt7a3aTNufvSSgwiAVAb4SXffCeh5Lr+rGx8Ip2DAuR0VxFUhCmrGi8fsqxVDuts6jv3kuxqiDckVeuB66S3mwIDAQAB',
  ec: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEDrsPNbKFD22Agnwov2IHwZc5OqrCPTb8++WuOf3GNyoGO74/IWZOwIkP1GXqSLDd5xHhKFg6Pum7Dpaq/4sZqg==',
  ed25519: 'MCowBQYDK2VwAyEAuvyz89Pv8iwYtt59CTdGAcnAyqzUgwGHCsUht274ihw=',
} as const;
const decoys = new Map<KeyAlgorithm, KeyObject>();

/** The decoy key for tokens of `alg`. */
export function decoyKey(alg: KeyAlgorithm): KeyObject {
  let key = decoys.get(alg);
  if (!key) {
    const type = alg === 'ES256' ? 'ec' : alg === 'EdDSA' ? 'ed25519' : 'rsa';
    key = createPublicKey({ key: Buffer.from(DECOY_KEYS[type], 'base64'), format: 'der', type: 'spki' });
    decoys.set(alg, key);
  }
  return key;
}

/**
 * Verifies a token: any token, however malformed, is a result (a 401 for the caller), never
 * an exception. `check` is the signature check (replaceable to count the checks made).
 */
export async function verifyConsumerToken(
  token: string,
  lookup: KeyLookup,
  rules: TokenRules,
  nowMs: number,
  check: SignatureCheck = checkSignature,
): Promise<TokenResult> {
  try {
    return await verify(token, lookup, rules, nowMs, check);
  } catch {
    return fail('malformed', 'The token could not be read.');
  }
}

/** The keys of `consumer` that may have signed a token, or why none may have. */
function candidateKeys(
  sub: string,
  consumer: ConsumerKeys | undefined,
  kid: unknown,
  alg: KeyAlgorithm,
): VerificationKey[] | TokenFailure {
  if (!consumer) return fail('unknown-consumer', `Unknown consumer '${shown(sub, 64)}'.`);
  if (consumer.status !== 'active') return fail('disabled', `Consumer '${sub}' is disabled.`);
  let candidates = consumer.keys;
  if (candidates.length === 0) return fail('unknown-kid', `Consumer '${sub}' has no registered key (removed?).`);
  if (kid !== undefined) {
    candidates = candidates.filter((k) => k.kid === kid);
    if (candidates.length === 0)
      return fail('unknown-kid', `Consumer '${sub}' has no key with kid '${shown(kid, 128)}'.`);
  }
  const matching = candidates.filter((k) => k.alg === alg);
  if (matching.length === 0) {
    const algs = [...new Set(candidates.map((k) => k.alg))].join(' or ') || 'none';
    return fail(
      'algorithm-mismatch',
      `The token is signed with ${alg}, but the key${candidates.length > 1 ? 's' : ''} of '${sub}' use ${algs}.`,
    );
  }
  return matching;
}

async function verify(
  token: string,
  lookup: KeyLookup,
  rules: TokenRules,
  nowMs: number,
  check: SignatureCheck,
): Promise<TokenResult> {
  if (token.length > MAX_TOKEN_LENGTH) {
    return fail('malformed', `The token is longer than ${MAX_TOKEN_LENGTH} characters.`);
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  let payload: JWTPayload;
  try {
    if (token.split('.').length !== 3) throw new Error('parts');
    header = decodeProtectedHeader(token);
    payload = decodeJwt(token);
  } catch {
    return fail('malformed', 'The token is not a JWT: expected three base64url parts (header.payload.signature).');
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || !KEY_ALGORITHMS.includes(alg as KeyAlgorithm)) {
    return fail(
      'algorithm',
      `Algorithm '${shown(alg, 32)}' is not accepted; tokens are signed with ${KEY_ALGORITHMS.join(', ')}.`,
    );
  }
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub === '')
    return fail('missing-sub', "The token has no 'sub' claim (your consumer id).");
  const matching = candidateKeys(sub, lookup(sub), header.kid, alg as KeyAlgorithm);
  if (!Array.isArray(matching)) {
    // The work of a bad signature, for the same answer time.
    await check(token, decoyKey(alg as KeyAlgorithm), alg as KeyAlgorithm);
    return matching;
  }
  let verifiedBy: VerificationKey | undefined;
  for (const candidate of matching) {
    if (await check(token, candidate.key, candidate.alg)) {
      verifiedBy = candidate;
      break;
    }
  }
  if (!verifiedBy)
    return fail('bad-signature', `Bad signature: the token was not signed with a registered key of '${sub}'.`);
  const claimError = checkClaims(payload, rules, nowMs);
  if (claimError) return claimError;
  const { exp, nbf, iat } = payload as TimeClaims;
  return {
    ok: true,
    token: {
      consumerId: sub,
      kid: verifiedBy.kid,
      keyFingerprint: verifiedBy.fingerprint,
      // Only what a later use checks again: no token text, no other claims.
      claims: { exp, ...(nbf !== undefined ? { nbf } : {}), ...(iat !== undefined ? { iat } : {}) },
    },
  };
}
