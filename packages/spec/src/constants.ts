/**
 * `@finum-sync/spec/constants`: the spec's plain values — key types and signing algorithms,
 * token rules, record types, header names, application states — without its schemas, so
 * that loading them does not load TypeBox (the CLI and the sync engine start with these;
 * the main entry exports the same values).
 *
 * @example
 * import { RECORD_TYPES, SIGNING_ALGORITHMS } from '@finum-sync/spec/constants';
 */
export * from './header-names.js';
export * from './key-rules.js';
export * from './onboarding-states.js';
export * from './record-types.js';
