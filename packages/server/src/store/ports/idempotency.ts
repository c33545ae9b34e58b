/** The store port's slice for idempotency keys: its rows and its interfaces (all slices: ../port.ts). */

export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'mismatch' }
  | { kind: 'running' };

export interface IdempotencyTx {
  /** Stores the response of an idempotent request, in the transaction of its write. */
  completeIdempotencyKey(consumerId: string, key: string, response: { status: number; body: string }): Promise<void>;
}

export interface IdempotencyStore {
  /**
   * Claims an `Idempotency-Key` for a request (SPEC §7): the first request with a key
   * claims it; the same key and body later replays the stored response; another body is a
   * mismatch; a claim still running (lease not over) is `running`. Keys older than `ttlMs`
   * are forgotten.
   */
  claimIdempotencyKey(
    consumerId: string,
    key: string,
    requestHash: string,
    options: { nowMs: number; leaseMs: number; ttlMs: number },
  ): Promise<IdempotencyClaim>;
  /** Forgets a claim whose request failed. */
  releaseIdempotencyKey(consumerId: string, key: string): Promise<void>;
  deleteIdempotencyKeysBefore(createdBeforeMs: number): Promise<number>;
}
