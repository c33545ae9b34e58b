/**
 * The supported surface of `@finum-sync/server`: build or start the provider server from a
 * configuration, and open its database. Everything else the CLI and the tests use (the
 * core's operations, the authenticator, the demo data…) is in `@finum-sync/server/internal`,
 * which follows the code rather than semver (see the README).
 */
export { type AppDeps, buildApp } from './app.js';
export { type Config, ConfigError, loadConfig } from './config.js';
export { type RunningServer, startServer } from './server.js';
export { isPostgresUrl, openStore, type StoreConfig } from './store/open-store.js';
export type {
  AdminSessionStore,
  ApplicationStore,
  AuditStore,
  BlobStore,
  ConsumerRow,
  ConsumerStore,
  IdempotencyStore,
  OutboxStore,
  RateCountStore,
  RecordRow,
  RecordStore,
  Store,
  StoreDialect,
  StoredRecord,
  StoreLifecycle,
  StoreTx,
  Transactional,
} from './store/port.js';
export { PUBLIC_OWNER } from './store/port.js';
