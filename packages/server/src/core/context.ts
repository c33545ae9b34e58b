import { checkCallbackUrl } from '../callbacks/url-policy.js';
import type { BlobStore, ConsumerStore, RecordStore, StoredRecord, StoreTx, Transactional } from '../store/port.js';
import { CoreEvents } from './events.js';

/** The slices of the store the core's operations use: write transactions, record reads, file bytes, the consumers. */
export type CoreStore = Transactional & RecordStore & BlobStore & ConsumerStore;

/** What the core's write operations need: the store, the event bus, the callback URL check. */
export interface CoreContext {
  readonly store: CoreStore;
  readonly events: CoreEvents;
  /** Throws a `callback-url-refused` problem for a URL callbacks may not go to. */
  readonly checkCallbackUrl: (url: string) => Promise<unknown>;
  /** Where provider events go (SPEC §10 `PROVIDER_WEBHOOK_URL`); none: they are not written. */
  readonly providerWebhookUrls: readonly string[];
}

/** Runs inside the write's transaction before it commits (e.g. to store an idempotent response). */
export type BeforeCommit = (tx: StoreTx, record: StoredRecord) => Promise<void>;

/** The core for a process of its own (the CLI): its events reach no one; servers poll the outbox. */
export function coreContext(
  store: CoreStore,
  options: { allowPrivateCallbacks: boolean; providerWebhookUrls?: readonly string[] },
): CoreContext {
  return {
    store,
    events: new CoreEvents(),
    checkCallbackUrl: (url) => checkCallbackUrl(url, { allowPrivate: options.allowPrivateCallbacks }),
    providerWebhookUrls: options.providerWebhookUrls ?? [],
  };
}
