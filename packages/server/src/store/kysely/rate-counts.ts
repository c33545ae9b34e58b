import type { Kysely } from 'kysely';
import type { RateCountStore } from '../port.js';
import type { Database } from '../schema.js';
import { BOOKKEEPING, type StoreContext } from './context.js';

/** Counts of windows from `sinceWindowMs` on, every process's together. */
async function countsSince(db: Kysely<Database>, sinceWindowMs: number) {
  const rows = await db.selectFrom('rate_limit_counts').selectAll().where('window_ms', '>=', sinceWindowMs).execute();
  return rows.map((r) => ({ key: r.key, windowMs: Number(r.window_ms), count: Number(r.count) }));
}

/** Rate-limit counts shared by the server processes of one database. */
export function rateCountStore({ adapter, read }: StoreContext): RateCountStore {
  return {
    syncRateCounts(deltas, sinceWindowMs) {
      // Nothing to add (an idle process): reading the others' counts needs no transaction.
      if (deltas.length === 0) return countsSince(read, sinceWindowMs);
      return adapter.writeTransaction(async (trx) => {
        for (const d of deltas) {
          await trx
            .insertInto('rate_limit_counts')
            .values({ key: d.key, window_ms: d.windowMs, count: d.delta })
            .onConflict((oc) =>
              oc
                .columns(['key', 'window_ms'])
                .doUpdateSet((eb) => ({ count: eb('rate_limit_counts.count', '+', d.delta) })),
            )
            .execute();
        }
        await trx
          .deleteFrom('rate_limit_counts')
          .where('window_ms', '<', sinceWindowMs - 5 * 60_000)
          .execute();
        return countsSince(trx, sinceWindowMs);
      }, BOOKKEEPING);
    },
  };
}
