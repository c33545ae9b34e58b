export * from './lifecycle.js';
export * from './openapi.js';
export * from './operations.js';
export * from './primitives.js';
export * from './problems.js';
export * from './read-params.js';
export * from './records.js';
export * from './validation.js';
