import { createPrivateKey } from 'node:crypto';
import { base64url, type JWTPayload, SignJWT } from 'jose';

/** Seconds since the epoch, as JWT time claims count. */
export const nowS = () => Math.floor(Date.now() / 1000);

// Tokens that break SPEC §3 on purpose: the SDK's `signToken` cannot make them (it always sets
// iat and exp and refuses keys the spec does not accept), so they are assembled here with jose.

/**
 * Signs exactly the given claims and header (nothing added: no `iat`, no `exp` unless
 * given) — for tokens that break a rule.
 */
export function signClaims(
  privateKeyPem: string,
  alg: string,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', ...header }).sign(createPrivateKey(privateKeyPem));
}

/** Re-encodes the payload of a signed token with `patch` applied, keeping header and signature. */
export function tamperPayload(token: string, patch: JWTPayload): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as JWTPayload;
  return [header, encodePart({ ...claims, ...patch }), signature].join('.');
}

const encodePart = (value: object) => base64url.encode(JSON.stringify(value));

/** A token assembled by hand from any header and payload, with a signature that verifies nothing. */
export const rawToken = (header: object, payload: object) => `${encodePart(header)}.${encodePart(payload)}.c2ln`;
