// Without TypeBox: loaded by '@finum-sync/spec/constants' (CLI and sync start-up) as well as the main entry.
/**
 * Authentication (SPEC §3): which keys and algorithms a consumer may sign its tokens with,
 * and the rules a provider checks the tokens by.
 */

/**
 * What {@link KEY_TYPES} says of a key type.
 * @example
 * const rule: KeyTypeRule = KEY_TYPES.ec;
 */
export interface KeyTypeRule {
  /** The algorithms a key of this type signs with; the first is the one it gets when none is chosen. */
  readonly algorithms: readonly string[];
  /** How the key looks as a JWK. */
  readonly jwk: { readonly kty: string; readonly crv?: string };
  /** RSA: the least modulus length in bits. */
  readonly minModulusLength?: number;
  /** EC: the one curve accepted, as Node's `asymmetricKeyDetails.namedCurve` names it. */
  readonly namedCurve?: string;
}

/**
 * The key types a consumer may register, as Node's `KeyObject#asymmetricKeyType` names
 * them, each with the algorithms it signs (the first is the one a key of this type gets
 * when none is chosen), its JWK form and its size rule. The one table of SPEC §3's keys.
 * @example
 * KEY_TYPES.rsa.algorithms; // ['RS256', 'PS256']
 */
export const KEY_TYPES = {
  rsa: { algorithms: ['RS256', 'PS256'], jwk: { kty: 'RSA' }, minModulusLength: 2048 },
  'rsa-pss': { algorithms: ['PS256'], jwk: { kty: 'RSA' }, minModulusLength: 2048 },
  ec: { algorithms: ['ES256'], jwk: { kty: 'EC', crv: 'P-256' }, namedCurve: 'prime256v1' },
  ed25519: { algorithms: ['EdDSA'], jwk: { kty: 'OKP', crv: 'Ed25519' } },
} as const satisfies Record<string, KeyTypeRule>;

/**
 * A key type of {@link KEY_TYPES}: `'rsa' | 'rsa-pss' | 'ec' | 'ed25519'`.
 * @example
 * const type: KeyType = 'ed25519';
 */
export type KeyType = keyof typeof KEY_TYPES;

/**
 * A JWS algorithm a consumer may sign with: `'RS256' | 'PS256' | 'ES256' | 'EdDSA'`.
 * @example
 * const alg: SigningAlgorithm = 'ES256';
 */
export type SigningAlgorithm = (typeof KEY_TYPES)[KeyType]['algorithms'][number];

/**
 * Every algorithm a consumer may sign with (SPEC §3), in the order of {@link KEY_TYPES};
 * never `none`, never an HMAC.
 * @example
 * SIGNING_ALGORITHMS; // ['RS256', 'PS256', 'ES256', 'EdDSA']
 */
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = [
  ...new Set(Object.values(KEY_TYPES).flatMap((t) => t.algorithms)),
];

/**
 * Whether a text names an accepted signing algorithm.
 * @example
 * isSigningAlgorithm('HS256'); // false
 */
export const isSigningAlgorithm = (alg: unknown): alg is SigningAlgorithm =>
  SIGNING_ALGORITHMS.includes(alg as SigningAlgorithm);

/**
 * Whether a text names an accepted key type.
 * @example
 * isKeyType('dsa'); // false
 */
export const isKeyType = (type: unknown): type is KeyType => typeof type === 'string' && Object.hasOwn(KEY_TYPES, type);

/**
 * The algorithms a key of this type may sign with.
 * @example
 * algorithmsForKeyType('rsa'); // ['RS256', 'PS256']
 */
export const algorithmsForKeyType = (type: KeyType): readonly SigningAlgorithm[] => KEY_TYPES[type].algorithms;

/**
 * The algorithm a key of this type signs with when none is chosen (RSA → RS256,
 * RSA-PSS → PS256, P-256 → ES256, Ed25519 → EdDSA).
 * @example
 * algorithmForKeyType(createPrivateKey(pem).asymmetricKeyType as KeyType); // 'ES256'
 */
export const algorithmForKeyType = (type: KeyType): SigningAlgorithm => KEY_TYPES[type].algorithms[0];

/**
 * The key types that may sign with an algorithm.
 * @example
 * keyTypesForAlgorithm('PS256'); // ['rsa', 'rsa-pss']
 */
export const keyTypesForAlgorithm = (alg: SigningAlgorithm): KeyType[] =>
  (Object.keys(KEY_TYPES) as KeyType[]).filter((type) => algorithmsForKeyType(type).includes(alg));

/**
 * The token rules of SPEC §3: `exp` at most `maxLifetimeS` ahead (a provider's
 * `MAX_TOKEN_LIFETIME`, 3600 s by default) and `clockSkewS` of tolerance for `exp`, `nbf`
 * and `iat`.
 * @example
 * const exp = Math.floor(Date.now() / 1000) + TOKEN_RULES.maxLifetimeS;
 */
export const TOKEN_RULES = {
  maxLifetimeS: 3600,
  clockSkewS: 60,
} as const;
