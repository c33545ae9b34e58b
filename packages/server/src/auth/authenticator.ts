import { importSPKI } from 'jose';
import type { Store } from '../store/port.js';
import {
  type ConsumerKeys,
  checkClaims,
  type TokenResult,
  type TokenRules,
  type VerificationKey,
  type VerifiedToken,
  verifyConsumerToken,
} from './verify-consumer-token.js';

/** Verified tokens kept to skip the signature check on the next request with the same token. */
const CACHE_SIZE = 10_000;

/**
 * Authenticates bearer tokens against the consumers and keys in the store.
 *
 * Keys live in memory and are reloaded as soon as the store's auth revision moves (a
 * consumer disabled or a key removed, by this process or by another one such as the
 * CLI). A verified token is cached by its exact text, so the signature is checked once;
 * every use still checks the time claims and that the consumer and key are still there.
 */
export class Authenticator {
  private ring = new Map<string, ConsumerKeys>();
  private revision = Number.NaN;
  private reloading: Promise<void> | undefined;
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(
    private readonly store: Store,
    private readonly rules: TokenRules,
    private readonly clock: () => number = Date.now,
  ) {}

  async authenticate(token: string): Promise<TokenResult> {
    await this.refresh();
    const now = this.clock();
    const cached = this.verified.get(token);
    if (cached) {
      const consumer = this.ring.get(cached.consumerId);
      const stillValid = consumer?.status === 'active' && consumer.keys.some((k) => k.kid === cached.kid);
      if (stillValid) {
        return checkClaims(cached.payload, this.rules, now) ?? { ok: true, token: cached };
      }
      this.verified.delete(token);
    }
    const result = await verifyConsumerToken(token, (id) => this.ring.get(id), this.rules, now);
    if (result.ok) {
      if (this.verified.size >= CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, result.token);
    }
    return result;
  }

  /** Reloads the key ring when consumers or keys changed anywhere. */
  async refresh(): Promise<void> {
    const revision = await this.store.authRevision();
    if (revision === this.revision) return;
    this.reloading ??= this.reload(revision).finally(() => {
      this.reloading = undefined;
    });
    await this.reloading;
    // Loaded an older revision than the one we saw (a reload already under way): load again.
    if (this.revision !== revision) await this.refresh();
  }

  private async reload(revision: number): Promise<void> {
    const state = await this.store.loadAuthState();
    const ring = new Map<string, ConsumerKeys>();
    const keysOf = new Map<string, VerificationKey[]>();
    for (const k of state.keys) {
      try {
        const key = await importSPKI(k.publicKey, k.alg);
        keysOf.set(k.consumerId, [...(keysOf.get(k.consumerId) ?? []), { kid: k.kid, alg: k.alg, key }]);
      } catch {
        // A key that no longer imports (corrupt row) cannot verify anything; leave it out.
      }
    }
    for (const c of state.consumers) ring.set(c.id, { status: c.status, keys: keysOf.get(c.id) ?? [] });
    this.ring = ring;
    this.revision = revision;
  }
}
