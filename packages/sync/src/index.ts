export {
  type AirbyteConfig,
  type AirbyteOptions,
  type AirbyteStreamState,
  catalogMessage,
  runAirbyte,
  specMessage,
} from './airbyte/airbyte-source.js';
export {
  type CommandIo,
  runResetCommand,
  runStatusCommand,
  runSummary,
  runSyncCommand,
  type SyncCommandOptions,
} from './cli.js';
export {
  ConfigError,
  checkMaxUrlBytes,
  checkProviderName,
  defaultProviderName,
  MAX_URL_BYTES_RANGE,
  type ProviderConfig,
  parseInterval,
  parseTypes,
  readProvidersConfig,
} from './config.js';
export {
  DEFAULT_MIRROR_PATH,
  isPostgresUrl,
  MirrorError,
  type MirrorStore,
  openMirror,
  type StreamStatus,
} from './mirror/mirror-store.js';
export type { MirrorDatabase, MirrorRow } from './mirror/schema.js';
export { parseListenAddress, startCallbackListener, startMetrics } from './operations-server.js';
export * from './planner.js';
export {
  DEFAULT_SYNC_MAX_URL_BYTES,
  ProviderError,
  type ProviderSource,
  type SdkSourceOptions,
  sdkSource,
} from './provider-source.js';
export * from './runner.js';
