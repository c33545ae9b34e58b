import type { RecordType } from '@finum-sync/spec';

/** Kysely's view of the tables (see migrations.ts). Times are epoch milliseconds. */

export interface RecordColumns {
  id: string;
  owner_id: string;
  version: number;
  created_ms: number;
  updated_ms: number;
  deleted: number;
  /** The record as the API returns it, serialized once at write time. */
  body: string;
}

export interface ClientsTable extends RecordColumns {
  external_id: string | null;
}
export interface ContractsTable extends RecordColumns {
  holder_id: string;
  status: number;
}
export interface FilesTable extends RecordColumns {
  contract_id: string | null;
  client_id: string | null;
}

export interface ConsumersTable {
  id: string;
  name: string;
  status: string;
  callback_url: string | null;
  callback_secret: string;
  created_ms: number;
}

export interface ConsumerKeysTable {
  consumer_id: string;
  kid: string;
  alg: string;
  public_key: string;
  created_ms: number;
}

export interface MetaTable {
  key: string;
  value: string;
}

/** SQLite only: write transactions in flight, so that the sync watermark waits for them. */
export interface WriteIntentsTable {
  id: string;
  pid: number;
  host: string;
  started_ms: number;
}

export interface BlobsTable {
  sha256: string;
  size: number;
  bytes: Buffer;
}

export interface IdempotencyKeysTable {
  consumer_id: string;
  key: string;
  request_hash: string;
  /** `running` while the first request runs, `done` with its response. */
  state: string;
  response_status: number | null;
  response_body: string | null;
  created_ms: number;
  /** A `running` key whose lease ran out belongs to a request that died; it may be taken over. */
  lease_until_ms: number;
}

export interface PendingCallbacksTable {
  contract_id: string;
  consumer_id: string;
  url: string;
  created_ms: number;
}

export interface CallbackDeliveriesTable {
  /** The `webhook-id`: the same for every attempt. */
  id: string;
  consumer_id: string;
  contract_id: string;
  url: string;
  /** `one-shot` (a contract's callbackUrl) or `standing` (the consumer's). */
  kind: string;
  payload: string;
  /** `pending`, `delivered`, `gone` (410), `failed` (gave up after 3 days). */
  state: string;
  attempts: number;
  created_ms: number;
  /** When a pending delivery is due; while one is being attempted, the end of that attempt's lease. */
  next_attempt_ms: number;
  finished_ms: number | null;
  last_status: number | null;
  last_error: string | null;
}

export interface CallbackAttemptsTable {
  delivery_id: string;
  attempt: number;
  started_ms: number;
  duration_ms: number;
  status: number | null;
  error: string | null;
}

export interface RateLimitCountsTable {
  key: string;
  window_ms: number;
  count: number;
}

export interface ApplicationsTable {
  id: string;
  /** `pending`, `approved`, `rejected`. */
  status: string;
  /** SHA-256 (hex) of the status link's token; the token itself is never stored. */
  status_token_hash: string;
  idempotency_key: string | null;
  request_hash: string;
  company: string;
  contact_name: string;
  email: string;
  phone: string;
  website: string | null;
  intended_use: string;
  callback_url: string | null;
  /** `pasted`, `browser` or `provider`. */
  key_source: string;
  public_key: string | null;
  created_ms: number;
  decided_ms: number | null;
  rejection_reason: string | null;
  consumer_id: string | null;
  private_key: string | null;
  private_key_shown_ms: number | null;
}

export interface AdminSessionsTable {
  /** SHA-256 (hex) of the session cookie's value. */
  id_hash: string;
  csrf_token: string;
  created_ms: number;
  expires_ms: number;
}

export interface AuditLogTable {
  id: string;
  at_ms: number;
  actor_kind: string;
  actor_name: string;
  actor_address: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  /** JSON object. */
  detail: string;
}

export interface ProviderEndpointsTable {
  id: string;
  url: string;
  secret: string;
  description: string | null;
  created_ms: number;
}

export interface ConsumerUsageTable {
  consumer_id: string;
  requests: number;
  errors: number;
  last_seen_ms: number;
}

export interface Database {
  clients: ClientsTable;
  products: RecordColumns;
  users: RecordColumns;
  contracts: ContractsTable;
  files: FilesTable;
  consumers: ConsumersTable;
  consumer_keys: ConsumerKeysTable;
  meta: MetaTable;
  write_intents: WriteIntentsTable;
  blobs: BlobsTable;
  idempotency_keys: IdempotencyKeysTable;
  pending_callbacks: PendingCallbacksTable;
  callback_deliveries: CallbackDeliveriesTable;
  callback_attempts: CallbackAttemptsTable;
  rate_limit_counts: RateLimitCountsTable;
  applications: ApplicationsTable;
  admin_sessions: AdminSessionsTable;
  audit_log: AuditLogTable;
  provider_endpoints: ProviderEndpointsTable;
  consumer_usage: ConsumerUsageTable;
}

export const RECORD_TABLES = {
  client: 'clients',
  product: 'products',
  user: 'users',
  contract: 'contracts',
  file: 'files',
} as const satisfies Record<RecordType, keyof Database>;

export type RecordTable = (typeof RECORD_TABLES)[RecordType];

/** The extra indexed columns of each record table, read from the record's data. */
export const INDEXED_FIELDS: Record<RecordType, Record<string, string>> = {
  client: { external_id: 'externalId' },
  product: {},
  user: {},
  contract: { holder_id: 'holderId', status: 'status' },
  file: { contract_id: 'contractId', client_id: 'clientId' },
};

/** Query filters (record field → column) the list endpoints and the core use. */
export const FIELD_COLUMNS: Record<string, string> = {
  externalId: 'external_id',
  holderId: 'holder_id',
  contractId: 'contract_id',
  clientId: 'client_id',
};
