/**
 * The record, request and event types of the client's operations: the spec package's own
 * (type-only imports: nothing of the spec package is bundled).
 */
import type { RecordOf, RecordType } from '@finum-sync/spec';

export type {
  AuthStatus,
  CallbackEvent,
  Client,
  ClientCreate,
  ClientPatch,
  Contract,
  ContractCreate,
  ContractPatch,
  ContractStatus,
  FileRecord,
  KeyType,
  Problem,
  Product,
  RecordOf,
  RecordType,
  SigningAlgorithm,
  User,
} from '@finum-sync/spec';

/**
 * Record type name → its record, as the spec defines it (`_` extension fields allowed).
 *
 * @example
 * type Mirror = { [T in RecordType]: Map<string, RecordTypes[T]> };
 * const contract: RecordTypes['contract'] = (await finum.contracts.list({ ids: ['43948'] })).records[0]!;
 */
export type RecordTypes = { [T in RecordType]: RecordOf<T> };
