/**
 * `@finum-sync/server/operations`: the configuration, the store and the core's operations,
 * without the HTTP server (no Fastify, no routes): what the CLI's back-office and
 * administration commands run. Such a command loaded the whole server before, in twice the
 * time (1.63 s against 0.87 s of module loading on the bench machine, 2026-11-29). No
 * stability promise, as `@finum-sync/server/internal`, which re-exports all of it.
 */

export { checkCallbackUrl } from './callbacks/url-policy.js';
export { type Config, ConfigError, loadConfig } from './config.js';
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
export { deliveryView, redeliver } from './core/deliveries.js';
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
export { applicationView, approveApplication, rejectApplication } from './onboarding/applications.js';
export { isPostgresUrl, openStore, type StoreConfig } from './store/open-store.js';
/** The store port's types (rows, filters, slices), for a store of one's own and its contract suite. */
export type * from './store/port.js';
export { PUBLIC_OWNER } from './store/port.js';
