import type { SigningAlgorithm } from '@finum-sync/spec';

/** The store port's slice for consumers, keys and usage: its rows, its part of a transaction, its reads (all slices: ../port.ts). */

/** A consumer key's algorithm: the spec's `SigningAlgorithm`. */
export type KeyAlgorithm = SigningAlgorithm;

export interface ConsumerKeyRow {
  readonly consumerId: string;
  readonly kid: string;
  readonly alg: KeyAlgorithm;
  /** SPKI PEM. */
  readonly publicKey: string;
  readonly createdMs: number;
}

export interface ConsumerRow {
  readonly id: string;
  readonly name: string;
  readonly status: 'active' | 'disabled';
  readonly callbackUrl: string | null;
  readonly callbackSecret: string;
  readonly createdMs: number;
}

export interface AuthState {
  readonly consumers: readonly ConsumerRow[];
  readonly keys: readonly ConsumerKeyRow[];
}

/** A consumer's use of the API: requests, answers of 400 or more, the last request's time. */
export interface ConsumerUsage {
  readonly consumerId: string;
  readonly requests: number;
  readonly errors: number;
  readonly lastSeenMs: number;
}

/** Consumers, their keys and the auth revision inside a write transaction. */
export interface ConsumerTx {
  getConsumer(id: string): Promise<ConsumerRow | undefined>;
  putConsumer(row: ConsumerRow): Promise<void>;
  putKey(row: ConsumerKeyRow): Promise<void>;
  removeKey(consumerId: string, kid: string): Promise<boolean>;
  consumerKeys(consumerId: string): Promise<ConsumerKeyRow[]>;
  /** Marks consumers/keys changed: every process reloads its key ring. */
  bumpAuthRevision(): Promise<void>;
}

/** Settings of the server kept in the database (its audience, the auth revision). */
export interface MetaTx {
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
}

/** Consumers and their keys as authentication reads them, and their usage. */
export interface ConsumerStore {
  loadAuthState(): Promise<AuthState>;
  listConsumers(): Promise<ConsumerRow[]>;
  consumer(id: string): Promise<ConsumerRow | undefined>;
  /**
   * A number that changes whenever consumers or keys changed, in this process or another;
   * read on every authenticated request, so it must be cheap. It reflects every change this
   * process committed before the call, and another process's within REVISION_KEPT_MS (50 ms,
   * both dialects) — SPEC §3's "refused at once, by every server process", as
   * issue 10 measures it (within 100 ms).
   */
  authRevision(options?: RevisionRead): number | Promise<number>;
  /** Adds counts of requests (each process's since its last flush) to the consumers' usage. */
  addConsumerUsage(counts: readonly ConsumerUsage[]): Promise<void>;
  /** Every consumer's usage so far. */
  consumerUsage(): Promise<ConsumerUsage[]>;
}

/** How {@link ConsumerStore.authRevision} reads. */
export interface RevisionRead {
  /**
   * Read the latest revision, not one kept from a recent read: after a refusal that a change
   * made meanwhile in another process might undo (a consumer just added, enabled or given a
   * key), so that such a change is honoured at once too.
   */
  readonly fresh?: boolean;
}
