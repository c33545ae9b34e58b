/**
 * The record and request types the client's operations use. Until the spec package
 * exports its static types, records are typed by their meta fields plus open fields.
 */

/** Fields every record has (SPEC §2). */
export interface RecordMeta {
  id: string;
  createdAt: string;
  updatedAt: string;
  version: number;
  deleted: boolean;
}

export type FinumRecord = RecordMeta & Record<string, unknown>;

export type RecordTypeName = 'client' | 'product' | 'user' | 'contract' | 'file';

/** Record type name → its record. */
export interface RecordTypes {
  client: FinumRecord;
  product: FinumRecord;
  user: FinumRecord;
  contract: FinumRecord & {
    status: number;
    holderId: string;
    productId: string;
    proposalFileId: string | null;
    fileIdList: string[];
    statusNote: string | null;
  };
  file: FinumRecord & { sha256: string; size: number; mimeType: string; name: string };
}

export type ClientCreate = Record<string, unknown>;
export type ClientPatch = { id: string; version?: number } & Record<string, unknown>;
export type ContractCreate = Record<string, unknown>;
export type ContractPatch = { id: string; version?: number; status?: number; callbackUrl?: string } & Record<
  string,
  unknown
>;

/** `GET /v1/auth-status`. */
export interface AuthStatus {
  authenticated: true;
  consumerId: string;
  tokenExpiresAt: string;
}

/** The body of a contract status callback (SPEC §8). */
export interface CallbackEvent {
  type: 'contract.status-changed';
  contractId: string;
  status: number;
  previousStatus: number | null;
  occurredAt: string;
  changedBy?: 'provider' | 'consumer';
}
