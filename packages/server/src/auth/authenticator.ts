import { createHash, hash } from 'node:crypto';
import { importSPKI } from 'jose';
import type { ConsumerStore, RevisionRead } from '../store/port.js';
import {
  type ConsumerKeys,
  checkTimes,
  KEY_RING_FAILURES,
  MAX_TOKEN_LENGTH,
  type TokenResult,
  type TokenRules,
  type VerificationKey,
  type VerifiedToken,
  verifyConsumerToken,
} from './verify-consumer-token.js';

/**
 * Verified tokens kept to skip the signature check on the next request with the same
 * token. An entry holds a token's SHA-256 and what a later use checks again — the consumer,
 * the key's fingerprint, the time claims — never the token or its other claims, so an
 * entry has a bounded size whatever a token carries: at most {@link CACHE_BYTES} in all.
 */
export const CACHE_BYTES = 4 * 1024 * 1024;
/**
 * An entry's size, counted generously: the hash key (64 characters), the map entry, the
 * entry object with its claims object, a consumer id of up to 64 characters (UTF-16).
 */
export const CACHE_ENTRY_BYTES = 512;
const CACHE_SIZE = Math.floor(CACHE_BYTES / CACHE_ENTRY_BYTES);

/** A token's SHA-256 (the one-shot `crypto.hash`: half the time of a Hash object, on every request). */
const tokenHash = (token: string) => hash('sha256', token, 'base64url');
const fingerprintOf = (alg: string, pem: string) => `${alg}:${createHash('sha256').update(pem).digest('base64url')}`;

/**
 * Authenticates bearer tokens against the consumers and keys in the store.
 *
 * Keys live in memory and are reloaded as soon as the store's auth revision moves (a
 * consumer disabled or a key removed, by this process or by another one such as the
 * CLI). A verified token is cached by its hash, so the signature is checked once; every
 * use still checks the time claims and that the consumer is active and still has the
 * very key material that verified it (not merely a key with the same `kid`).
 */
export class Authenticator {
  private ring = new Map<string, ConsumerKeys>();
  private revision = Number.NaN;
  private reloading: Promise<void> | undefined;
  private readonly verified = new Map<string, VerifiedToken>();
  /**
   * Each connection's last token and its hash: a client sends the same token on request after
   * request of a kept-alive connection, and comparing it costs less than hashing it again.
   * Gone with the connection (at most one token of MAX_TOKEN_LENGTH per open connection).
   */
  private readonly lastTokenOf = new WeakMap<object, { token: string; hash: string }>();

  constructor(
    private readonly store: ConsumerStore,
    private readonly rules: TokenRules,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * The token's result: at once (no promise) when it was verified before and the key ring
   * is current (the store answers its revision without a query: SQLite's data_version,
   * PostgreSQL's revision kept for REVISION_KEPT_MS) — a cached token's path, run on
   * every request, is then a hash and a few map reads, with no turn of the event loop —
   * otherwise once the ring is reloaded or the signature verified.
   */
  authenticate(token: string, connection?: object): TokenResult | Promise<TokenResult> {
    // Refused before any work (and before the cache): no consumer's token is this long.
    if (token.length > MAX_TOKEN_LENGTH) return verifyConsumerToken(token, () => undefined, this.rules, 0);
    const revision = this.store.authRevision();
    if (revision === this.revision) return this.againstRing(token, connection);
    return this.authenticateAfterRefresh(token, connection, revision);
  }

  /** `authenticate` once the ring is at `revision` (the read already under way: a failed read rejects this). */
  private async authenticateAfterRefresh(
    token: string,
    connection: object | undefined,
    revision: number | Promise<number>,
  ): Promise<TokenResult> {
    await this.refreshTo(await revision);
    return this.againstRing(token, connection);
  }

  /** The token against the ring as loaded: from the cache at once, else verified. */
  private againstRing(token: string, connection: object | undefined): TokenResult | Promise<TokenResult> {
    const hash = this.hashOf(token, connection);
    return this.fromCache(hash, this.clock()) ?? this.verify(token, hash);
  }

  /** The token's SHA-256, the key of the cache of verified tokens. */
  private hashOf(token: string, connection: object | undefined): string {
    if (!connection) return tokenHash(token);
    const last = this.lastTokenOf.get(connection);
    if (last?.token === token) return last.hash;
    const hash = tokenHash(token);
    this.lastTokenOf.set(connection, { token, hash });
    return hash;
  }

  /**
   * The cached token's result while its consumer is active and still has the very key that
   * verified it (the time claims checked again); `undefined` when it must be verified.
   */
  private fromCache(hash: string, now: number): TokenResult | undefined {
    const cached = this.verified.get(hash);
    if (!cached) return undefined;
    const consumer = this.ring.get(cached.consumerId);
    if (consumer?.status === 'active' && consumer.keys.some((k) => k.fingerprint === cached.keyFingerprint)) {
      return checkTimes(cached.claims, this.rules, now) ?? { ok: true, token: cached };
    }
    this.verified.delete(hash);
    return undefined;
  }

  /** Verifies the signature and claims against the ring as loaded, caching a success. */
  private async verify(token: string, hash: string): Promise<TokenResult> {
    const result = await this.verifyAgainstRing(token, hash);
    // The revision may be one kept from a recent read (PostgreSQL, REVISION_KEPT_MS): a refusal
    // that a change made meanwhile in another process would undo — a consumer added, enabled,
    // given a key — is checked against the latest revision before it stands.
    if (!result.ok && KEY_RING_FAILURES.has(result.code) && (await this.refresh({ fresh: true }))) {
      return this.fromCache(hash, this.clock()) ?? this.verifyAgainstRing(token, hash);
    }
    return result;
  }

  private async verifyAgainstRing(token: string, hash: string): Promise<TokenResult> {
    const result = await verifyConsumerToken(token, (id) => this.ring.get(id), this.rules, this.clock());
    if (result.ok) {
      if (this.verified.size >= CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(hash, result.token);
    }
    return result;
  }

  /** The verified-token cache's size, counted as {@link CACHE_ENTRY_BYTES} an entry. */
  get cachedBytes(): number {
    return this.verified.size * CACHE_ENTRY_BYTES;
  }

  /** Reloads the key ring when consumers or keys changed anywhere; whether it did. */
  async refresh(options?: RevisionRead): Promise<boolean> {
    return this.refreshTo(await this.store.authRevision(options), options);
  }

  /** Reloads the key ring unless it is at `revision` already; whether it did. */
  private async refreshTo(revision: number, options?: RevisionRead): Promise<boolean> {
    if (revision === this.revision) return false;
    this.reloading ??= this.reload(revision).finally(() => {
      this.reloading = undefined;
    });
    await this.reloading;
    // Loaded an older revision than the one we saw (a reload already under way): load again.
    if (this.revision !== revision) await this.refresh(options);
    return true;
  }

  private async reload(revision: number): Promise<void> {
    const state = await this.store.loadAuthState();
    const ring = new Map<string, ConsumerKeys>();
    const keysOf = new Map<string, VerificationKey[]>();
    for (const k of state.keys) {
      try {
        const key = await importSPKI(k.publicKey, k.alg);
        const fingerprint = fingerprintOf(k.alg, k.publicKey);
        keysOf.set(k.consumerId, [...(keysOf.get(k.consumerId) ?? []), { kid: k.kid, alg: k.alg, key, fingerprint }]);
      } catch {
        // A key that no longer imports (corrupt row) cannot verify anything; leave it out.
      }
    }
    for (const c of state.consumers) ring.set(c.id, { status: c.status, keys: keysOf.get(c.id) ?? [] });
    this.ring = ring;
    this.revision = revision;
  }
}
