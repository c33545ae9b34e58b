/** The store port's slice for shared rate-limit counts: its rows and its interfaces (all slices: ../port.ts). */

/** Request counts of rate limits, shared by the server processes of one database. */
export interface RateCountStore {
  /** Adds this process's new counts and returns every process's totals for windows ≥ `sinceWindowMs`. */
  syncRateCounts(
    deltas: ReadonlyArray<{ key: string; windowMs: number; delta: number }>,
    sinceWindowMs: number,
  ): Promise<Array<{ key: string; windowMs: number; count: number }>>;
}
