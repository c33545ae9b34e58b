import type { ApplicationStatus, KeySource, RecordType, SigningAlgorithm } from '@finum-sync/spec';
import type { ActorKind, AuditAction, AuditTargetType, DeliveryKind, DeliveryState } from '@finum-sync/spec/admin';

/**
 * The storage port: everything the server needs from a database, nothing more, as one
 * small interface per concern (records, consumers, outbox, idempotency, blobs, applications,
 * admin sessions, audit, rate counts). Each caller names the slices it uses; {@link Store}
 * is all of them with the lifecycle. One Kysely implementation serves SQLite and PostgreSQL
 * (store/kysely/); a provider could plug in its own and prove it with the contract suite
 * (packages/server/test/store-contract/).
 */

/** Owner id of records every consumer sees (products, product files). */
export const PUBLIC_OWNER = '';

/** What the store keeps of every record besides its content. */
export interface RecordHeader {
  readonly type: RecordType;
  readonly id: string;
  /** Consumer whose record this is; {@link PUBLIC_OWNER} for products and product files. */
  readonly ownerId: string;
  readonly version: number;
  readonly createdMs: number;
  readonly updatedMs: number;
  readonly deleted: boolean;
}

/** A record as stored: its full JSON representation plus what the store indexes. */
export interface StoredRecord extends RecordHeader {
  /** The record as the API returns it (meta fields, standard fields, `_` extensions). */
  readonly data: Readonly<Record<string, unknown>>;
}

/** A record as its table holds it: what bulk loads write without building `data` (core/records.ts). */
export interface RecordRow extends RecordHeader {
  /** The JSON text of the record's `data`. */
  readonly body: string;
  /** The record's fields, or at least those the store keeps in columns of their own. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * A JSON document the database wrote: UTF-8 bytes where its driver hands them out without
 * decoding them (SQLite), else text. Records are stored serialized; a list is their concatenation.
 */
export type JsonText = string | Buffer;

export interface ChangedIds {
  /** The ids, as the JSON array the response carries. */
  readonly idsJson: JsonText;
  /** The sync watermark (`X-Sync-Until`): the next `since` that misses nothing. */
  readonly untilMs: number;
}

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

/** Blob bytes addressed by their SHA-256. */
export interface FileBytes {
  readonly size: number;
  /** Streams bytes `[start, end]` inclusive. */
  open(range?: { start: number; end: number }): NodeJS.ReadableStream;
}

export type { DeliveryKind, DeliveryState };

/** A callback (or provider event) to deliver, written to the outbox in the transaction of the change. */
export interface NewDelivery {
  /** The `webhook-id`, the same for every attempt. */
  readonly id: string;
  /** The consumer called; {@link PUBLIC_OWNER} for a provider event. */
  readonly consumerId: string;
  /** The contract concerned; `''` when none is (some provider events). */
  readonly contractId: string;
  readonly url: string;
  readonly kind: DeliveryKind;
  /** The JSON body, fixed at enqueue time. */
  readonly payload: string;
}

export interface Delivery extends NewDelivery {
  readonly state: DeliveryState;
  /** Attempts started so far (including the one just claimed). */
  readonly attempts: number;
  readonly createdMs: number;
  readonly nextAttemptMs: number;
  readonly finishedMs: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
}

export interface DeliveryAttempt {
  readonly deliveryId: string;
  readonly attempt: number;
  readonly startedMs: number;
  readonly durationMs: number;
  /** HTTP status of the answer; `null` when there was none (timeout, refused). */
  readonly status: number | null;
  readonly error: string | null;
}

export interface DeliveryOutcome {
  readonly state: DeliveryState;
  /** When to try again (pending) or `finishedMs` otherwise. */
  readonly nextAttemptMs: number;
}

export interface DeliveryFilter {
  /** One delivery, by its `webhook-id`. */
  webhookId?: string;
  consumerId?: string;
  contractId?: string;
  state?: DeliveryState;
  kind?: DeliveryKind;
  limit?: number;
}

export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'mismatch' }
  | { kind: 'running' };

/** An onboarding application (SPEC §9 `/onboarding/`). */
export interface ApplicationRow {
  readonly id: string;
  readonly status: ApplicationStatus;
  /** SHA-256 (hex) of the status link's token; the token itself is never stored. */
  readonly statusTokenHash: string;
  readonly idempotencyKey: string | null;
  /** SHA-256 of the submitted form, to tell a repeated submission from another one. */
  readonly requestHash: string;
  readonly company: string;
  readonly contactName: string;
  readonly email: string;
  readonly phone: string;
  readonly website: string | null;
  readonly intendedUse: string;
  readonly callbackUrl: string | null;
  readonly keySource: KeySource;
  /** SPKI PEM; null when the provider generates the pair. */
  readonly publicKey: string | null;
  readonly createdMs: number;
  readonly decidedMs: number | null;
  readonly rejectionReason: string | null;
  readonly consumerId: string | null;
  /** A provider-generated private key (PKCS#8 PEM), from approval until it is shown once. */
  readonly privateKey: string | null;
  readonly privateKeyShownMs: number | null;
}

export type ApplicationChange = Partial<
  Pick<
    ApplicationRow,
    | 'status'
    | 'statusTokenHash'
    | 'idempotencyKey'
    | 'decidedMs'
    | 'rejectionReason'
    | 'consumerId'
    | 'privateKey'
    | 'privateKeyShownMs'
  >
>;

/** A session of the admin pages, by the hash of its cookie. */
export interface AdminSessionRow {
  readonly idHash: string;
  readonly csrfToken: string;
  readonly createdMs: number;
  readonly expiresMs: number;
}

/** Who did an administrative action (the audit trail). */
export interface Actor {
  readonly kind: ActorKind;
  readonly name: string;
  /** The client address of an HTTP request. */
  readonly address?: string | null;
}

/** An entry of the audit trail, as the action writes it in its transaction. */
export interface NewAuditEntry {
  readonly actor: Actor;
  readonly action: AuditAction;
  readonly targetType: AuditTargetType;
  /** `null` when the action has no single target (an import). */
  readonly targetId: string | null;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface AuditRow extends NewAuditEntry {
  readonly id: string;
  readonly atMs: number;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface AuditFilter {
  action?: AuditAction;
  actorKind?: ActorKind;
  targetType?: AuditTargetType;
  targetId?: string;
  sinceMs?: number;
  untilMs?: number;
  limit?: number;
}

/** A consumer's use of the API: requests, answers of 400 or more, the last request's time. */
export interface ConsumerUsage {
  readonly consumerId: string;
  readonly requests: number;
  readonly errors: number;
  readonly lastSeenMs: number;
}

/** A provider event endpoint added in the back office (SPEC §10, besides `PROVIDER_WEBHOOK_URL`). */
export interface ProviderEndpointRow {
  readonly id: string;
  readonly url: string;
  /** Its Standard Webhooks secret (`whsec_…`). */
  readonly secret: string;
  readonly description: string | null;
  readonly createdMs: number;
}

/** Records inside a write transaction (the core's write path, imports). */
export interface RecordTx {
  getRecord(type: RecordType, id: string): Promise<StoredRecord | undefined>;
  /** Records of a type by id (any owner), locked for the transaction on PostgreSQL. */
  getRecords(type: RecordType, ids: readonly string[]): Promise<Map<string, StoredRecord>>;
  /** Inserts or replaces a record (by type and id). */
  putRecord(record: StoredRecord): Promise<void>;
  putRecords(records: readonly StoredRecord[]): Promise<void>;
  /** Inserts or replaces records given as rows (bulk loads). */
  putRecordRows(rows: readonly RecordRow[]): Promise<void>;
  recordsWhere(type: RecordType, field: 'holderId' | 'contractId', value: string): Promise<StoredRecord[]>;
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

/** The outbox inside a write transaction: callbacks due with the change, provider endpoints. */
export interface OutboxTx {
  /** The one-shot callback URL waiting for the contract's next status change. */
  pendingCallback(contractId: string): Promise<string | undefined>;
  setPendingCallback(contractId: string, consumerId: string, url: string | null): Promise<void>;
  enqueueDelivery(delivery: NewDelivery): Promise<void>;
  /**
   * Puts a finished delivery (`failed` or `gone`) back in the queue, due at the transaction's
   * time; its state before (nothing changed unless it was `failed` or `gone`), or undefined when
   * there is no such delivery.
   */
  requeueDelivery(webhookId: string): Promise<DeliveryState | undefined>;
  /** The provider event endpoints added in the back office. */
  providerEndpoints(): Promise<ProviderEndpointRow[]>;
  /** Adds an endpoint; false (nothing stored) when one has that URL already. */
  insertProviderEndpoint(row: ProviderEndpointRow): Promise<boolean>;
  getProviderEndpoint(id: string): Promise<ProviderEndpointRow | undefined>;
  setProviderEndpointSecret(id: string, secret: string): Promise<void>;
  /** Removes an endpoint and stops its pending deliveries. */
  deleteProviderEndpoint(id: string, url: string): Promise<void>;
}

export interface IdempotencyTx {
  /** Stores the response of an idempotent request, in the transaction of its write. */
  completeIdempotencyKey(consumerId: string, key: string, response: { status: number; body: string }): Promise<void>;
}

export interface ApplicationTx {
  /** Stores a new application; false (and nothing stored) when its idempotency key is taken. */
  insertApplication(row: ApplicationRow): Promise<boolean>;
  /** An application, locked for the transaction on PostgreSQL. */
  getApplication(id: string): Promise<ApplicationRow | undefined>;
  updateApplication(id: string, change: ApplicationChange): Promise<void>;
}

export interface AuditTx {
  /** Writes an entry of the audit trail, at the transaction's time; it commits with the action. */
  appendAudit(entry: NewAuditEntry): Promise<AuditRow>;
}

/** Work inside one database transaction; `nowMs` is the transaction's clock. */
export interface StoreTx extends RecordTx, ConsumerTx, MetaTx, OutboxTx, IdempotencyTx, ApplicationTx, AuditTx {
  readonly nowMs: number;
}

/** Write transactions and the store's clock. */
export interface Transactional {
  /** The store's clock (the database's on PostgreSQL). */
  nowMs(): Promise<number>;
  /** Runs `work` in one transaction: all of it commits, or (when it throws) none of it. */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
}

/** Records as consumers read them (SPEC §4 visibility), and bulk-load support. */
export interface RecordStore {
  /** Visible records among `ids`, each once, in the order of `ids`: the JSON array of the response. */
  recordsByIds(type: RecordType, consumerId: string, ids: readonly string[]): Promise<JsonText>;
  /** Visible records whose field equals `value`, by id: the JSON array of the response. */
  recordsByField(type: RecordType, consumerId: string, field: string, value: string): Promise<JsonText>;
  /** Ids of visible records changed at or after `sinceMs` (all when undefined), and the watermark. */
  changedIds(type: RecordType, consumerId: string, sinceMs: number | undefined): Promise<ChangedIds>;
  /** One visible record. */
  visibleRecord(type: RecordType, consumerId: string, id: string): Promise<StoredRecord | undefined>;
  /** Contracts in the given statuses (not deleted), oldest change first; of one consumer when given. */
  contractsByStatus(
    statuses: readonly number[],
    options?: { ownerId?: string; limit?: number },
  ): Promise<StoredRecord[]>;
  /**
   * For bulk loads (the seed): drops the record tables' secondary indexes and returns the
   * function that builds them again — once, sorted, instead of row by row: several times
   * faster. Meanwhile queries scan whole tables. Should the load die first, the next
   * openStore() builds them.
   */
  suspendRecordIndexes(): Promise<() => Promise<void>>;
}

/** Consumers and their keys as authentication reads them, and their usage. */
export interface ConsumerStore {
  loadAuthState(): Promise<AuthState>;
  listConsumers(): Promise<ConsumerRow[]>;
  consumer(id: string): Promise<ConsumerRow | undefined>;
  /**
   * A number that changes whenever consumers or keys changed, in this process or another;
   * read on every authenticated request, so it must be cheap. It reflects every change
   * committed before the call (SPEC §3: a disabled consumer is refused at once).
   */
  authRevision(): number | Promise<number>;
  /** Adds counts of requests (each process's since its last flush) to the consumers' usage. */
  addConsumerUsage(counts: readonly ConsumerUsage[]): Promise<void>;
  /** Every consumer's usage so far. */
  consumerUsage(): Promise<ConsumerUsage[]>;
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

/** The outbox as the delivery worker, the back office and the metrics see it. */
export interface OutboxStore {
  /**
   * Claims up to `limit` due deliveries for an attempt: their `next_attempt_ms` moves to
   * the end of a lease, so that no other process takes them while the attempt runs, and a
   * crashed attempt is taken up again when the lease is over.
   */
  claimDueDeliveries(nowMs: number, limit: number, leaseMs: number): Promise<Delivery[]>;
  /** Records an attempt and the delivery's outcome, in one transaction. */
  finishDeliveryAttempt(attempt: DeliveryAttempt, outcome: DeliveryOutcome): Promise<void>;
  /** `410 Gone`: stops the pending deliveries of a consumer to that URL. */
  stopDeliveriesTo(consumerId: string, url: string, nowMs: number): Promise<number>;
  listDeliveries(filter: DeliveryFilter): Promise<Array<Delivery & { attemptList: DeliveryAttempt[] }>>;
  /** Deletes finished deliveries (delivered, gone, failed) and their attempts created before a time. */
  deleteFinishedDeliveriesBefore(createdBeforeMs: number): Promise<number>;
  /** Pending deliveries now, and when the next one is due. */
  deliveryQueue(): Promise<{ pending: number; failed: number; nextDueMs: number | null }>;
  /** The provider event endpoints added in the back office, oldest first. */
  listProviderEndpoints(): Promise<ProviderEndpointRow[]>;
}

/** File bytes, addressed by their SHA-256. */
export interface BlobStore {
  putBlob(bytes: Buffer): Promise<{ sha256: string; size: number }>;
  getBlob(sha256: string): Promise<FileBytes | undefined>;
}

/** Onboarding applications (SPEC §9). */
export interface ApplicationStore {
  /** Stores a new application; false (and nothing stored) when its idempotency key is taken. */
  insertApplication(row: ApplicationRow): Promise<boolean>;
  findApplication(
    by: { id: string } | { statusTokenHash: string } | { idempotencyKey: string },
  ): Promise<ApplicationRow | undefined>;
  /** Newest first. */
  listApplications(filter?: { status?: ApplicationStatus; limit?: number }): Promise<ApplicationRow[]>;
  /** Changes an application if it is (still) in `expectedStatus`, when given; whether it changed. */
  updateApplication(id: string, change: ApplicationChange, expectedStatus?: ApplicationStatus): Promise<boolean>;
}

export interface AdminSessionStore {
  putAdminSession(row: AdminSessionRow): Promise<void>;
  adminSession(idHash: string): Promise<AdminSessionRow | undefined>;
  deleteAdminSession(idHash: string): Promise<void>;
  deleteAdminSessionsBefore(expiresBeforeMs: number): Promise<number>;
}

/** The audit trail as the back office reads it (entries are written with {@link AuditTx}). */
export interface AuditStore {
  /** The audit trail, newest first. */
  listAudit(filter: AuditFilter): Promise<AuditRow[]>;
  /** Calls `listener` with every audit entry once its transaction has committed (to log it); returns the unsubscribe. */
  onAudit(listener: (entry: AuditRow) => void): () => void;
}

/** Request counts of rate limits, shared by the server processes of one database. */
export interface RateCountStore {
  /** Adds this process's new counts and returns every process's totals for windows ≥ `sinceWindowMs`. */
  syncRateCounts(
    deltas: ReadonlyArray<{ key: string; windowMs: number; delta: number }>,
    sinceWindowMs: number,
  ): Promise<Array<{ key: string; windowMs: number; count: number }>>;
}

/** Which database a store runs on (whether its rate counts are worth sharing: several processes on PostgreSQL). */
export interface StoreDialect {
  readonly dialect: 'sqlite' | 'postgres';
}

/** What every store has besides its concerns: its dialect, a health check, and closing. */
export interface StoreLifecycle extends StoreDialect {
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The whole port: every slice, transactions and the lifecycle (what openStore() returns). */
export interface Store
  extends StoreLifecycle,
    Transactional,
    RecordStore,
    ConsumerStore,
    IdempotencyStore,
    OutboxStore,
    BlobStore,
    ApplicationStore,
    AdminSessionStore,
    AuditStore,
    RateCountStore {}
