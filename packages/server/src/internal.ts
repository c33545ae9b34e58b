/**
 * `@finum-sync/server/internal`: the public surface plus the building blocks that this
 * repository's CLI (back-office commands, seed) and tests use. No stability promise: these
 * names change with the code. An application embeds the server through `@finum-sync/server`.
 */

export { Authenticator } from './auth/authenticator.js';
export { KEY_ALGORITHMS, KeyError, parsePublicKey } from './auth/public-key.js';
export { checkCallbackUrl } from './callbacks/url-policy.js';
export { type Actor, auditView, cliActor, systemActor } from './core/audit.js';
export {
  addConsumer,
  addConsumerKey,
  ConsumerError,
  removeConsumerKey,
  rotateCallbackSecret,
  serverAudience,
  setConsumerStatus,
} from './core/consumers.js';
export { type CoreContext, coreContext } from './core/context.js';
export { setContractStatus } from './core/contracts.js';
export { redeliver } from './core/deliveries.js';
export { attachContractFile } from './core/files.js';
export { type ImportReport, importRecords } from './core/import-records.js';
export {
  addProviderEndpoint,
  listProviderEndpoints,
  providerEndpointPolicy,
  removeProviderEndpoint,
  rotateProviderEndpointSecret,
} from './core/provider-endpoints.js';
export { seededRandom } from './core/random.js';
export { composeRecord, type RecordMeta, recordRow } from './core/records.js';
export { DEMO_CONSUMER_ID, demoCredentials } from './demo/credentials.js';
export { seedDemo } from './demo/seed-demo.js';
export * from './index.js';
export { Maintenance } from './maintenance.js';
export { applicationView, approveApplication, rejectApplication } from './onboarding/applications.js';
export { RateLimiter, type SharedRateCounts } from './plugins/rate-limiter.js';
export { deliveryView } from './routes/admin.js';
export { jsonArrayBytes } from './store/json-array.js';
export { REVISION_KEPT_MS } from './store/kept-revision.js';
export { recordsByIdsQuery } from './store/open-store.js';
/** The store port's types (rows, filters, slices), for a store of one's own and its contract suite. */
export type * from './store/port.js';
