/**
 * `@finum-sync/spec/admin`: this server's provider back office (`/admin/api`), admin
 * console, sessions and onboarding administration — not part of the FiNUM Sync standard,
 * so not in the package's main entry.
 */
export * from './audit.js';
export * from './console.js';
export * from './openapi.js';
export * from './operations.js';
export * from './provider-endpoints.js';
export * from './provider-events.js';
export * from './records-import.js';
