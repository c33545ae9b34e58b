/**
 * `@finum-sync/client`: the consumer SDK of the FiNUM Sync API. No `node:` import is
 * reachable from here (the platform's `fetch` and Web Crypto): it runs on Node 20+, in
 * browsers and on edge runtimes. Node-only helpers are in `@finum-sync/client/node`.
 */
export {
  type CallbackHeaders,
  CallbackVerificationError,
  createCallbackDeduplicator,
  isContractStatusEvent,
  memorySeenStore,
  type SeenStore,
  type VerifiedCallback,
  type VerifyOptions,
  verifyCallback,
} from './callbacks.js';
export { chunkIds, DEFAULT_MAX_URL_BYTES, MAX_IDS_PER_REQUEST } from './chunk.js';
export {
  type ChangeBatch,
  type ChangedIdPages,
  type ChangedIds,
  type ClientOperations,
  type ClientOptions,
  type ContractOperations,
  createClient,
  type Download,
  type FileOperations,
  type FinumClient,
  type ListResult,
  type ReadOperations,
  type Since,
  type UploadInput,
} from './client.js';
export {
  type CallbackHub,
  type ContractFlowInput,
  type ContractFlowOutcome,
  createCallbackHub,
  type Proposal,
  runContractFlow,
} from './contract-flow.js';
export {
  FinumError,
  FinumNetworkError,
  FinumProblemError,
  FinumResponseError,
  FinumTimeoutError,
  type ProblemBody,
  type ProblemFieldError,
} from './errors.js';
export { IdListParser, IdListSyntaxError, idListPages } from './id-list-stream.js';
export { DEFAULT_RETRY_POLICY, nextDelay, parseRetryAfter, type RetryPolicy } from './retry.js';
export type { SchemaViolation } from './schema-check.js';
export {
  algorithmForKey,
  createTokenSource,
  type PrivateKeyInput,
  type SigningAlgorithm,
  signToken,
  type TokenOptions,
  type TokenSource,
  type TokenSourceOptions,
} from './token.js';
export type { CallOptions, FetchLike, Logger, WriteOptions } from './transport.js';
export type * from './types.js';
