import Type, { type TSchema } from 'typebox';
import { type Simplify, tableOf } from '../internal.js';
import { type ExtensionFields, Id, type TTyped, typed } from '../primitives.js';
import { EXTENSION_PATTERN, fieldTable, type RecordFieldsOf, recordFieldSchema, schemaName } from '../records.js';

/**
 * Record types a provider imports as NDJSON (files come with their bytes, one by one).
 * @example
 * IMPORT_TYPES.includes('file'); // false
 */
export const IMPORT_TYPES = ['client', 'product', 'user', 'contract'] as const;
/**
 * `'client' | 'product' | 'user' | 'contract'`.
 * @example
 * const type: ImportType = 'user';
 */
export type ImportType = (typeof IMPORT_TYPES)[number];

/**
 * Fields (as named in an import line) a new record needs, from the field tables'
 * `requiredOnCreate` and `requiredOnImport` (existing records are merged with what a line gives).
 * @example
 * IMPORT_REQUIRED_ON_CREATE.contract; // ['holderId', 'productId', 'status']
 */
export const IMPORT_REQUIRED_ON_CREATE: Readonly<Record<ImportType, readonly string[]>> = tableOf(
  IMPORT_TYPES,
  (type) =>
    Object.entries(fieldTable(type))
      .filter(([, d]) => d.requiredOnCreate || d.requiredOnImport)
      .map(([k]) => k),
);

type ImportLineStatic<T extends ImportType> = Simplify<
  { recordType: T; id: string; deleted?: boolean } & (T extends 'product' ? unknown : { consumerId: string }) &
    Partial<RecordFieldsOf<T>>
> &
  ExtensionFields;

/**
 * One line of a provider's NDJSON import: the record as the API returns it (any standard
 * or `_` field: the provider may set every field) plus `recordType`, the owning
 * `consumerId` (none for products) and `deleted: true` for a tombstone. Meta fields
 * (`createdAt`, `updatedAt`, `version`) are the server's.
 * @example
 * const line = importLineSchema('contract'); // the ImportContract component
 */
export function importLineSchema<T extends ImportType>(type: T): TTyped<ImportLineStatic<T>> {
  const properties: Record<string, TSchema> = {
    recordType: Type.Literal(type),
    id: Id,
    ...(type === 'product' ? {} : { consumerId: { ...Id, description: 'The consumer the record belongs to.' } }),
    deleted: Type.Boolean({ description: '`true` removes the record (a tombstone stays).' }),
  };
  for (const [key, def] of Object.entries(fieldTable(type))) {
    if (def.access !== 'write-only') properties[key] = recordFieldSchema(def);
  }
  return typed<ImportLineStatic<T>>()({
    type: 'object',
    required: ['recordType', 'id', ...(type === 'product' ? [] : ['consumerId'])],
    properties,
    additionalProperties: false,
    patternProperties: { [EXTENSION_PATTERN]: {} },
  });
}

/**
 * An import line for a client.
 * @example
 * const line: ImportClient = { recordType: 'client', id: 'cl-1', consumerId: 'acme', type: 'person', lastName: 'Huber' };
 */
export const ImportClient = importLineSchema('client');
export type ImportClient = ImportLineStatic<'client'>;
/**
 * An import line for a product (products belong to no consumer).
 * @example
 * const line: ImportProduct = { recordType: 'product', id: 'p-1', name: 'Haushalt', category: 'property' };
 */
export const ImportProduct = importLineSchema('product');
export type ImportProduct = ImportLineStatic<'product'>;
/**
 * An import line for a user.
 * @example
 * const line: ImportUser = { recordType: 'user', id: 'u-1', consumerId: 'acme', lastName: 'Berger', role: 'advisor' };
 */
export const ImportUser = importLineSchema('user');
export type ImportUser = ImportLineStatic<'user'>;
/**
 * An import line for a contract.
 * @example
 * const line: ImportContract = { recordType: 'contract', id: 'c-1', consumerId: 'acme', holderId: 'cl-1', productId: 'p-1', status: 320 };
 */
export const ImportContract = importLineSchema('contract');
export type ImportContract = ImportLineStatic<'contract'>;

/**
 * Any line of an import.
 * @example
 * const lines: ImportLine[] = ndjson.split('\n').filter(Boolean).map((l) => JSON.parse(l));
 */
export type ImportLine = ImportClient | ImportProduct | ImportUser | ImportContract;

/**
 * Each import type's line schema, named as its OpenAPI component (`ImportClient`, …).
 * @example
 * Object.keys(IMPORT_LINE_SCHEMAS); // ['ImportClient', 'ImportProduct', 'ImportUser', 'ImportContract']
 */
export const IMPORT_LINE_SCHEMAS = {
  client: ImportClient,
  product: ImportProduct,
  user: ImportUser,
  contract: ImportContract,
} as const satisfies Record<ImportType, TSchema>;

/**
 * The OpenAPI component name of an import type's line schema.
 * @example
 * importSchemaName('user'); // 'ImportUser'
 */
export const importSchemaName = (type: ImportType) => `Import${schemaName(type)}`;
