import type { FastifyBaseLogger } from 'fastify';
import { IDEMPOTENCY_TTL_MS } from './plugins/idempotency.js';
import type { IdempotencyStore, OutboxStore } from './store/port.js';

const DAY = 86_400_000;

/**
 * Retention, run every `everyMs` by each server process (the deletes are idempotent):
 * idempotency keys after their 24 h, finished callback deliveries after
 * `deliveryRetentionDays`. Tombstones are kept: the sync view never loses a record.
 */
export class Maintenance {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: IdempotencyStore & OutboxStore,
    private readonly options: {
      deliveryRetentionDays: number;
      log: FastifyBaseLogger;
      everyMs?: number;
      clock?: () => number;
    },
  ) {}

  start(): void {
    const run = () => {
      this.run().catch((error) => this.options.log.warn({ err: error }, 'maintenance failed'));
    };
    this.timer = setInterval(run, this.options.everyMs ?? 10 * 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async run(): Promise<{ idempotencyKeys: number; deliveries: number }> {
    const now = (this.options.clock ?? Date.now)();
    const idempotencyKeys = await this.store.deleteIdempotencyKeysBefore(now - IDEMPOTENCY_TTL_MS);
    const deliveries = await this.store.deleteFinishedDeliveriesBefore(now - this.options.deliveryRetentionDays * DAY);
    if (idempotencyKeys + deliveries > 0) this.options.log.info({ idempotencyKeys, deliveries }, 'retention');
    return { idempotencyKeys, deliveries };
  }
}
