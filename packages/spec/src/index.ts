/** TypeBox's `Static` (the type of a schema) and `TSchema`, for `Static<typeof Contract>` without a typebox import. */
export type {
  /**
   * TypeBox's `Static`: the TypeScript type of a schema.
   * @example
   * import { ContractPatch, type Static } from '@finum-sync/spec';
   * type Patch = Static<typeof ContractPatch>; // the same as the exported type ContractPatch
   */
  Static,
  /**
   * TypeBox's `TSchema`: any schema, e.g. a field's or a record's.
   * @example
   * const schema: TSchema = ContractPatch;
   * const errors = compileCheck(schema)(body); // [] when body conforms
   */
  TSchema,
} from 'typebox';
export * from './auth.js';
export * from './callbacks.js';
export * from './examples.js';
export * from './headers.js';
export * from './lifecycle.js';
export * from './onboarding.js';
export { API_VERSION, buildOpenApi, componentSchemas } from './openapi.js';
export * from './operations.js';
export * from './primitives.js';
export * from './problems.js';
export * from './read-params.js';
export * from './records.js';
export * from './validation.js';
