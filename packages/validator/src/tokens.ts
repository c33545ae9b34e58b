import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { algorithmForKey, type SigningAlgorithm } from '@finum-sync/client';
import { TOKEN_RULES } from '@finum-sync/spec';
import { base64url, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

/**
 * The tokens the validator sends: one valid, and one for every way SPEC §3 says a token
 * is refused. Built from the consumer's payload and private key; never printed.
 */

/** Every refused token kind, with what it is (shown in reports instead of the token). */
export const REFUSED_TOKENS = {
  none: "a token with alg 'none' and no signature",
  'hs256-public-key': 'a token signed HS256 with the public key as HMAC secret',
  'wrong-aud': "a token with the 'aud' of another provider",
  'missing-aud': "a token without 'aud'",
  expired: 'a token that expired 10 minutes ago',
  'lifetime-over-max': "a token whose 'exp' lies beyond the maximum lifetime",
  'future-nbf': "a token with 'nbf' 10 minutes ahead",
  'future-iat': "a token with 'iat' 10 minutes ahead",
  tampered: 'a token whose payload was changed after signing',
  'stranger-key': 'a token signed by a key the provider does not know',
  'unknown-kid': "a token with the 'kid' of no registered key",
  malformed: 'a bearer value that is not a JWT',
} as const;
export type RefusedToken = keyof typeof REFUSED_TOKENS;

const encode = (value: object) => base64url.encode(JSON.stringify(value));

export class TokenFactory {
  readonly alg: SigningAlgorithm;
  private readonly key: KeyObject;
  private stranger: CryptoKey | KeyObject | undefined;

  /**
   * @param payload the consumer's JWT payload from onboarding (`sub`, `aud`, …)
   * @param privateKeyPem the consumer's private key
   * @param maxLifetimeS the provider's maximum token lifetime (SPEC default 3600 s)
   */
  constructor(
    private readonly payload: Readonly<Record<string, unknown>>,
    privateKeyPem: string,
    private readonly maxLifetimeS: number = TOKEN_RULES.maxLifetimeS,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createPrivateKey(privateKeyPem);
    this.alg = algorithmForKey(this.key);
  }

  private claims(extra: JWTPayload = {}): JWTPayload {
    const iat = Math.floor(this.now() / 1000);
    const { iat: _i, exp: _e, nbf: _n, ...rest } = this.payload;
    return { ...rest, iat, exp: iat + 300, ...extra };
  }

  private sign(claims: JWTPayload, key: CryptoKey | KeyObject | Uint8Array = this.key, header: object = {}) {
    return new SignJWT(claims).setProtectedHeader({ alg: this.alg, typ: 'JWT', ...header }).sign(key);
  }

  /** A token the provider must accept: 5 minutes of lifetime. */
  valid(): Promise<string> {
    return this.sign(this.claims());
  }

  async refused(kind: RefusedToken): Promise<string> {
    const s = Math.floor(this.now() / 1000);
    switch (kind) {
      case 'none':
        return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(this.claims())}.`;
      case 'hs256-public-key': {
        const publicPem = createPublicKey(this.key).export({ type: 'spki', format: 'pem' }).toString();
        return new SignJWT(this.claims())
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
          .sign(new TextEncoder().encode(publicPem));
      }
      case 'wrong-aud':
        return this.sign(this.claims({ aud: 'https://another-provider.invalid' }));
      case 'missing-aud': {
        const { aud: _aud, ...claims } = this.claims();
        return this.sign(claims);
      }
      case 'expired':
        return this.sign(this.claims({ iat: s - 900, exp: s - 600 }));
      case 'lifetime-over-max':
        return this.sign(this.claims({ exp: s + this.maxLifetimeS + 3600 }));
      case 'future-nbf':
        return this.sign(this.claims({ nbf: s + 600, exp: s + 900 }));
      case 'future-iat':
        return this.sign(this.claims({ iat: s + 600, exp: s + 900 }));
      case 'tampered': {
        const [header, , signature] = (await this.valid()).split('.');
        return `${header}.${encode(this.claims({ exp: s + 299 }))}.${signature}`;
      }
      case 'stranger-key': {
        this.stranger ??= (await generateKeyPair(this.alg, { extractable: false })).privateKey;
        return this.sign(this.claims(), this.stranger);
      }
      case 'unknown-kid':
        return this.sign(this.claims(), this.key, { kid: 'fsv-no-such-key' });
      case 'malformed':
        return 'not-a-jwt';
    }
  }
}
