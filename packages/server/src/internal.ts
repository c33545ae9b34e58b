/**
 * `@finum-sync/server/internal`: the public surface plus the building blocks that this
 * repository's CLI (back-office commands, seed) and tests use. No stability promise: these
 * names change with the code. An application embeds the server through `@finum-sync/server`.
 * The CLI's back-office commands import `@finum-sync/server/operations`, its part without
 * the HTTP server.
 */

export { Authenticator } from './auth/authenticator.js';
export { KEY_ALGORITHMS, KeyError, parsePublicKey } from './auth/public-key.js';
export { DEMO_CONSUMER_ID, demoCredentials } from './demo/credentials.js';
export { seedDemo } from './demo/seed-demo.js';
export * from './index.js';
export { Maintenance } from './maintenance.js';
export * from './operations.js';
export { RateLimiter, type SharedRateCounts } from './plugins/rate-limiter.js';
export { JsonArrayWriter, jsonArrayBytes } from './store/json-array.js';
export { REVISION_KEPT_MS } from './store/kept-revision.js';
export { idsJsonAggregate, recordsByIdsQuery } from './store/open-store.js';
