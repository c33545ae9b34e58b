import Type, { type Static, type TSchema } from 'typebox';
import type { OptionalUndefined, Simplify } from './internal.js';
import {
  CONSUMER_CREATE_STATUSES,
  CONSUMER_TARGET_STATUSES,
  CONTRACT_STATUS_CODES,
  DEFAULT_CREATE_STATUS,
  describeCreateStatuses,
} from './lifecycle.js';
import {
  Country,
  Currency,
  Email,
  type ExtensionFields,
  ExternalId,
  Id,
  IsoDate,
  Money,
  Phone,
  Sha256,
  Text,
  Timestamp,
  typed,
  wordList,
} from './primitives.js';
import { RECORD_TYPES, type RecordType } from './record-types.js';

/**
 * Who may write a field:
 * - `consumer`: the consumer may set it on create and change it with PATCH;
 * - `create-only`: the consumer sets it on create, never changes it afterwards;
 * - `provider`: read-only for consumers (set by the provider or derived);
 * - `write-only`: accepted in writes, never part of the record (`callbackUrl`).
 * @example
 * const access: FieldAccess = contractFields.holderId.access; // 'create-only'
 */
export type FieldAccess = 'consumer' | 'create-only' | 'provider' | 'write-only';

/**
 * One row of a record type's field table.
 * @example
 * const def: FieldDef = contractFields.premium;
 */
export interface FieldDef<S extends TSchema = TSchema> {
  readonly schema: S;
  readonly access: FieldAccess;
  /** Required in a consumer's create request. */
  readonly requiredOnCreate?: boolean;
  /** Required when the provider imports a new record (besides the `requiredOnCreate` ones). */
  readonly requiredOnImport?: boolean;
  /** Always has a value in a record (never `null`): arrays and mandatory fields. */
  readonly alwaysSet?: boolean;
  /** An id field: the record type it points at (SPEC §4: only records the consumer may see). */
  readonly references?: RecordType;
  readonly description: string;
}

type FieldTable = Readonly<Record<string, FieldDef>>;
type FieldFlags = Pick<FieldDef, 'requiredOnCreate' | 'requiredOnImport' | 'alwaysSet' | 'references'>;

/** A field table row that keeps its schema's and its flags' literal types, so `Static` sees them. */
const f = <S extends TSchema, A extends FieldAccess, const E extends FieldFlags = Record<never, never>>(
  schema: S,
  access: A,
  description: string,
  extra?: E,
) =>
  ({ schema, access, description, ...extra }) as {
    readonly schema: S;
    readonly access: A;
    readonly description: string;
  } & E;

const name = Text(200);
const street = Text(200);

/**
 * The client's fields (SPEC §5).
 * @example
 * clientFields.lastName.access; // 'consumer'
 */
export const clientFields = {
  type: f(Type.Enum(['person', 'company']), 'create-only', 'Whether the client is a natural person or a company.', {
    requiredOnCreate: true,
    alwaysSet: true,
  }),
  salutation: f(Text(50), 'consumer', 'Form of address, e.g. `Frau`, `Herr`, `Mx`.'),
  title: f(Text(100), 'consumer', 'Academic or professional title, e.g. `Dr.`.'),
  firstName: f(name, 'consumer', 'Given name (persons).'),
  lastName: f(name, 'consumer', 'Family name; required on create for persons.'),
  companyName: f(Text(300), 'consumer', 'Registered company name; required on create for companies.'),
  birthDate: f(IsoDate, 'consumer', 'Date of birth (persons).'),
  email: f(Email, 'consumer', 'E-mail address.'),
  phone: f(Phone, 'consumer', 'Phone number, preferably E.164.'),
  street: f(street, 'consumer', 'Street and house number.'),
  postalCode: f(Text(20), 'consumer', 'Postal code.'),
  city: f(Text(100), 'consumer', 'City.'),
  country: f(Country, 'consumer', 'ISO 3166-1 alpha-2 country code.'),
  externalId: f(
    ExternalId,
    'consumer',
    'The consumer’s own id for this client; searchable with `client-list?external-id=`.',
  ),
  userId: f(Id, 'consumer', 'Id of the user (advisor) responsible for this client.', { references: 'user' }),
} as const satisfies FieldTable;

/**
 * Product categories.
 * @example
 * PRODUCT_CATEGORIES.includes('motor'); // true
 */
export const PRODUCT_CATEGORIES = [
  'life',
  'health',
  'property',
  'liability',
  'motor',
  'legal',
  'pension',
  'investment',
  'other',
] as const;

/**
 * The product's fields (SPEC §5); products are the provider's, read-only for consumers.
 * @example
 * productFields.requiredFields.alwaysSet; // true
 */
export const productFields = {
  name: f(Text(200), 'provider', 'Product name.', { alwaysSet: true, requiredOnImport: true }),
  category: f(Type.Enum([...PRODUCT_CATEGORIES]), 'provider', 'Product category.', {
    alwaysSet: true,
    requiredOnImport: true,
  }),
  description: f(Text(4000), 'provider', 'What the product covers.'),
  active: f(Type.Boolean(), 'provider', '`false` once the product is withdrawn; withdrawn products stay visible.', {
    alwaysSet: true,
  }),
  requiredFields: f(
    Type.Array(Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]{0,63}$' }), { maxItems: 100 }),
    'provider',
    'Contract fields a proposal for this product needs; missing ones move a requested proposal to status 110.',
    { alwaysSet: true },
  ),
  currency: f(Currency, 'provider', 'Currency of the product’s premiums.'),
} as const satisfies FieldTable;

/**
 * The user's fields (SPEC §5): people at the consumer's organisation.
 * @example
 * userFields.role.schema.enum; // ['advisor', 'backoffice', 'admin']
 */
export const userFields = {
  firstName: f(name, 'provider', 'Given name.'),
  lastName: f(name, 'provider', 'Family name.', { alwaysSet: true, requiredOnImport: true }),
  email: f(Email, 'provider', 'E-mail address.'),
  role: f(Type.Enum(['advisor', 'backoffice', 'admin']), 'provider', 'Role at the consumer’s organisation.', {
    alwaysSet: true,
    requiredOnImport: true,
  }),
  active: f(Type.Boolean(), 'provider', 'Whether the user is active.', { alwaysSet: true }),
} as const satisfies FieldTable;

/**
 * How often a premium is paid.
 * @example
 * const yearly: (typeof PAYMENT_FREQUENCIES)[number] = 'yearly';
 */
export const PAYMENT_FREQUENCIES = ['monthly', 'quarterly', 'half-yearly', 'yearly', 'single'] as const;

/**
 * The contract's fields (SPEC §5, §8).
 * @example
 * contractFields.holderId.references; // 'client'
 */
export const contractFields = {
  holderId: f(Id, 'create-only', 'Id of the client holding the contract.', {
    requiredOnCreate: true,
    alwaysSet: true,
    references: 'client',
  }),
  productId: f(Id, 'create-only', 'Id of the product.', {
    requiredOnCreate: true,
    alwaysSet: true,
    references: 'product',
  }),
  userId: f(Id, 'consumer', 'Id of the user (advisor) responsible for the contract.', { references: 'user' }),
  status: f(
    Type.Enum([...CONTRACT_STATUS_CODES]),
    'consumer',
    `Lifecycle status (see the status table). Consumers create with ${wordList(CONSUMER_CREATE_STATUSES, 'or')} and may move to ${wordList(CONSUMER_TARGET_STATUSES, 'and')}.`,
    { alwaysSet: true, requiredOnImport: true },
  ),
  statusNote: f(Text(2000), 'provider', 'Provider’s note on the status, e.g. which data are missing.'),
  statusChangedAt: f(Timestamp, 'provider', 'When the status last changed.', { alwaysSet: true }),
  contractNumber: f(Text(100), 'provider', 'Contract (policy) number, set by the provider.'),
  endReason: f(Text(500), 'provider', 'Why the contract ended.'),
  startDate: f(IsoDate, 'consumer', 'Start of cover.'),
  endDate: f(IsoDate, 'consumer', 'End of cover.'),
  premium: f(Money, 'consumer', 'Premium per payment period.'),
  currency: f(Currency, 'consumer', 'Currency of `premium` and `sumInsured`.'),
  paymentFrequency: f(Type.Enum([...PAYMENT_FREQUENCIES]), 'consumer', 'How often the premium is paid.'),
  sumInsured: f(Money, 'consumer', 'Sum insured.'),
  proposalFileId: f(Id, 'provider', 'Id of the proposal document, set with status 130.'),
  fileIdList: f(Type.Array(Id), 'provider', 'Ids of all files attached to the contract.', { alwaysSet: true }),
  externalId: f(ExternalId, 'consumer', 'The consumer’s own id for this contract.'),
  callbackUrl: f(
    Type.String({ format: 'uri', maxLength: 2048 }),
    'write-only',
    'Write-only. Called once, at the contract’s next status change made by the provider (https; see Callbacks).',
  ),
} as const satisfies FieldTable;

/**
 * What kind of document a file is.
 * @example
 * FILE_CATEGORIES.includes('policy'); // true
 */
export const FILE_CATEGORIES = [
  'proposal',
  'policy',
  'invoice',
  'terms',
  'correspondence',
  'identification',
  'other',
] as const;

/**
 * The file record's fields (SPEC §5); the bytes come from `file-download`.
 * @example
 * fileFields.sha256.alwaysSet; // true
 */
export const fileFields = {
  contractId: f(Id, 'create-only', 'Contract the file belongs to.', { references: 'contract' }),
  clientId: f(Id, 'create-only', 'Client the file belongs to.', { references: 'client' }),
  productId: f(Id, 'provider', 'Product the file belongs to (terms, leaflets).', { references: 'product' }),
  name: f(Text(255), 'provider', 'File name.', { alwaysSet: true }),
  mimeType: f(Text(255), 'provider', 'Media type of the bytes.', { alwaysSet: true }),
  size: f(Type.Integer({ minimum: 0 }), 'provider', 'Size in bytes.', { alwaysSet: true }),
  sha256: f(Sha256, 'provider', 'SHA-256 of the bytes; also the download’s `ETag`.', { alwaysSet: true }),
  category: f(Type.Enum([...FILE_CATEGORIES]), 'create-only', 'What kind of document it is.', { alwaysSet: true }),
} as const satisfies FieldTable;

export { RECORD_TYPES, type RecordType } from './record-types.js';

/**
 * Each record type's field table.
 * @example
 * Object.keys(recordFields.contract); // ['holderId', 'productId', …]
 */
export const recordFields = {
  client: clientFields,
  product: productFields,
  user: userFields,
  contract: contractFields,
  file: fileFields,
} as const satisfies Readonly<Record<RecordType, FieldTable>>;

/**
 * The fields every record has, maintained by the provider.
 * @example
 * Object.keys(metaFields); // ['id', 'createdAt', 'updatedAt', 'version', 'deleted']
 */
export const metaFields = {
  id: f(Id, 'provider', 'Provider-assigned id.', { alwaysSet: true }),
  createdAt: f(Timestamp, 'provider', 'When the record was created.', { alwaysSet: true }),
  updatedAt: f(Timestamp, 'provider', 'When the record last changed (also set when it was deleted).', {
    alwaysSet: true,
  }),
  version: f(Type.Integer({ minimum: 1 }), 'provider', 'Starts at 1 and grows by one on every change.', {
    alwaysSet: true,
  }),
  deleted: f(Type.Boolean(), 'provider', '`true` for a tombstone: the record was removed.', { alwaysSet: true }),
} as const satisfies FieldTable;

/**
 * Extension field names: `_` then 1–63 word characters.
 * @example
 * new RegExp(EXTENSION_PATTERN).test('_licensePlate'); // true
 */
export const EXTENSION_PATTERN = '^_[A-Za-z0-9_]{1,63}$';
/**
 * {@link EXTENSION_PATTERN} as a RegExp.
 * @example
 * EXTENSION_REGEX.test('_x'); // true
 */
export const EXTENSION_REGEX = new RegExp(EXTENSION_PATTERN);
const extensionProperties = { [EXTENSION_PATTERN]: {} };

const nullable = (schema: TSchema) => Type.Union([schema, Type.Null()]);

/**
 * A field's schema as a record, write or import line shows it: a copy of its own, so that
 * the record documents every constraint inline (the OpenAPI emitter turns shared component
 * schemas into `$ref`s, and a record's `fileIdList` items stay the full id rule).
 */
const inline = (schema: TSchema): TSchema => structuredClone(schema);

const TITLES: Record<RecordType, string> = {
  client: 'Client',
  product: 'Product',
  user: 'User',
  contract: 'Contract',
  file: 'File',
};

/**
 * The OpenAPI component name of a record type's schema, with an optional suffix.
 * @example
 * schemaName('contract', 'Patch'); // 'ContractPatch'
 */
export const schemaName = (type: RecordType, suffix = '') => `${TITLES[type]}${suffix}`;

// ---------------------------------------------------------------------------------------
// Static types, derived from the field tables (nothing here lists a field).

type AnyField = FieldDef & { readonly access: FieldAccess };
type Value<D extends AnyField> = Static<D['schema']>;
type Flagged<D, Flag extends keyof FieldFlags> = D extends { readonly [K in Flag]: true } ? true : false;

/** A record as the API returns it: every standard field, `null` when unset. */
type RecordShape<F extends Readonly<Record<string, AnyField>>> = {
  -readonly [K in keyof F as F[K]['access'] extends 'write-only' ? never : K]: Flagged<F[K], 'alwaysSet'> extends true
    ? Value<F[K]>
    : Value<F[K]> | null;
};

/** A field's value in a write: fields that are always set (or required) cannot be `null`. */
type WriteValue<D extends AnyField> =
  Flagged<D, 'alwaysSet'> extends true
    ? Value<D>
    : Flagged<D, 'requiredOnCreate'> extends true
      ? Value<D>
      : Value<D> | null;

type Fields<T extends RecordType> = (typeof recordFields)[T];

/** Per-type narrowing of write schemas, beyond what the field table says. */
const writeOverrides = {
  contract: {
    create: {
      status: Type.Enum([...CONSUMER_CREATE_STATUSES], {
        default: DEFAULT_CREATE_STATUS,
        description: `${describeCreateStatuses()}.`,
      }),
    },
    patch: {
      status: Type.Enum([...CONSUMER_TARGET_STATUSES], {
        description: `A status the consumer may set: ${wordList(CONSUMER_TARGET_STATUSES, 'or')}, each only from the statuses the table allows.`,
      }),
    },
  },
} as const;
type Overrides<T extends RecordType, Mode extends 'create' | 'patch'> = T extends keyof typeof writeOverrides
  ? (typeof writeOverrides)[T][Mode]
  : Record<never, never>;
type OverrideValue<T extends RecordType, Mode extends 'create' | 'patch', K> = K extends keyof Overrides<T, Mode>
  ? Overrides<T, Mode>[K] extends TSchema
    ? Static<Overrides<T, Mode>[K]>
    : never
  : never;

type CreateShape<T extends RecordType, F extends Readonly<Record<string, AnyField>> = Fields<T>> = OptionalUndefined<{
  -readonly [K in keyof F as F[K]['access'] extends 'provider' ? never : K]:
    | (K extends keyof Overrides<T, 'create'> ? OverrideValue<T, 'create', K> : WriteValue<F[K]>)
    | (Flagged<F[K], 'requiredOnCreate'> extends true ? never : undefined);
}>;

type PatchShape<T extends RecordType, F extends Readonly<Record<string, AnyField>> = Fields<T>> = Simplify<
  { id: string; version?: number } & {
    -readonly [K in keyof F as F[K]['access'] extends 'consumer' | 'write-only'
      ? K
      : never]?: K extends keyof Overrides<T, 'patch'> ? OverrideValue<T, 'patch', K> : WriteValue<F[K]>;
  }
>;

/**
 * Which name field a client needs on create, by client `type` (SPEC §5): persons a
 * `lastName`, companies a `companyName` (neither may be `null`).
 * @example
 * CLIENT_NAME_FIELD.company; // 'companyName'
 */
export const CLIENT_NAME_FIELD = {
  person: 'lastName',
  company: 'companyName',
} as const satisfies Record<Static<typeof clientFields.type.schema>, keyof typeof clientFields>;

type ClientNameRequirement = {
  [T in keyof typeof CLIENT_NAME_FIELD]: { type: T } & { [K in (typeof CLIENT_NAME_FIELD)[T]]: string };
}[keyof typeof CLIENT_NAME_FIELD];

/**
 * A record type's own fields as a record shows them (without the meta fields and `_` fields).
 * @example
 * const data: RecordFieldsOf<'user'> = { firstName: null, lastName: 'Huber', email: null, role: 'advisor', active: true };
 */
export type RecordFieldsOf<T extends RecordType> = Simplify<RecordShape<Fields<T>>>;

type RecordStatic<T extends RecordType> = Simplify<RecordShape<typeof metaFields> & RecordShape<Fields<T>>> &
  ExtensionFields;
type CreateStatic<T extends RecordType> = Simplify<CreateShape<T>> &
  (T extends 'client' ? ClientNameRequirement : unknown) &
  ExtensionFields;
type PatchStatic<T extends RecordType> = PatchShape<T> & ExtensionFields;

// ---------------------------------------------------------------------------------------
// Schemas.

/**
 * A field's schema as a record shows it: its own schema when it is always set, else that or
 * `null`; with the field's description.
 * @example
 * recordFieldSchema(contractFields.premium); // { anyOf: [{ type: 'string', … }, { type: 'null' }], description: … }
 */
export function recordFieldSchema(def: FieldDef): TSchema {
  return { ...(def.alwaysSet ? inline(def.schema) : nullable(inline(def.schema))), description: def.description };
}

function buildRecordSchema(type: RecordType): TSchema {
  const properties: Record<string, TSchema> = {};
  for (const [key, def] of Object.entries({ ...metaFields, ...recordFields[type] }) as [string, FieldDef][]) {
    if (def.access !== 'write-only') properties[key] = recordFieldSchema(def);
  }
  return Type.Object(properties, {
    additionalProperties: false,
    patternProperties: extensionProperties,
    description: `A ${type} record. Providers may add extension fields whose names start with \`_\`; consumers ignore those they do not know.`,
  });
}

/**
 * A record type's field table, indexable by any field name.
 * @example
 * fieldTable('contract')['status']?.access; // 'consumer'
 */
export const fieldTable = (type: RecordType): Readonly<Record<string, FieldDef>> => recordFields[type];

const fieldDef = (type: RecordType, key: string) => fieldTable(type)[key]!;

/** Names of the fields a consumer may send when creating a record of this type.
 * @example
 * writableOnCreate('contract').includes('callbackUrl'); // true
 */
export function writableOnCreate(type: RecordType): string[] {
  return Object.entries(fieldTable(type))
    .filter(([, d]) => d.access !== 'provider')
    .map(([k]) => k);
}

/**
 * Names of the fields a consumer may send in a PATCH of this type (besides `id` and `version`).
 * @example
 * writableOnPatch('contract').includes('holderId'); // false: create-only
 */
export function writableOnPatch(type: RecordType): string[] {
  return Object.entries(fieldTable(type))
    .filter(([, d]) => d.access === 'consumer' || d.access === 'write-only')
    .map(([k]) => k);
}

/**
 * Fields a consumer's create request of this type must carry.
 * @example
 * requiredOnCreate('contract'); // ['holderId', 'productId']
 */
export function requiredOnCreate(type: RecordType): string[] {
  return writableOnCreate(type).filter((k) => fieldDef(type, k).requiredOnCreate);
}

const overrideOf = (type: RecordType, mode: 'create' | 'patch', key: string): TSchema | undefined =>
  (writeOverrides as Partial<Record<RecordType, Record<string, Record<string, TSchema>>>>)[type]?.[mode]?.[key];

const fieldSchema = (type: RecordType, key: string, mode: 'create' | 'patch'): TSchema => {
  const def = fieldDef(type, key);
  const override = overrideOf(type, mode, key);
  if (override) return override;
  const base = def.alwaysSet || def.requiredOnCreate ? inline(def.schema) : nullable(inline(def.schema));
  return { ...base, description: def.description };
};

/** Client create requests: persons need `lastName`, companies `companyName` (neither may be `null`). */
const requiredWhen = (type: string, field: string) => ({
  if: { properties: { type: { const: type } }, required: ['type'] },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a promise
  then: { required: [field], properties: { [field]: { type: 'string' } } },
});

/**
 * The `allOf` conditions of a client create request, made from {@link CLIENT_NAME_FIELD}.
 * @example
 * clientCreateConditions.length; // 2
 */
export const clientCreateConditions: TSchema[] = Object.entries(CLIENT_NAME_FIELD).map(([type, field]) =>
  requiredWhen(type, field),
);

function buildCreateSchema(type: RecordType): TSchema {
  const properties: Record<string, TSchema> = {};
  for (const key of writableOnCreate(type)) properties[key] = fieldSchema(type, key, 'create');
  return {
    type: 'object',
    required: requiredOnCreate(type),
    properties,
    additionalProperties: false,
    patternProperties: extensionProperties,
    ...(type === 'client' ? { allOf: clientCreateConditions } : {}),
  } as TSchema;
}

function buildPatchSchema(type: RecordType): TSchema {
  const properties: Record<string, TSchema> = {
    id: { ...Id, description: 'Id of the record to change.' },
    version: Type.Integer({
      minimum: 1,
      description: 'Optimistic concurrency: the version the change is based on; `409` if the record has moved on.',
    }),
  };
  for (const key of writableOnPatch(type)) properties[key] = fieldSchema(type, key, 'patch');
  return {
    type: 'object',
    required: ['id'],
    properties,
    additionalProperties: false,
    patternProperties: extensionProperties,
  } as TSchema;
}

/**
 * A client record as the API returns it (SPEC §5): every standard field (`null` when
 * unset) and any `_` extension field.
 * @example
 * const client: Client = await api.clientList({ query: { 'id-list': 'cl-1' } }).then((r) => r[0]);
 * if (client.type === 'person') console.log(client.lastName);
 */
export const Client = typed<RecordStatic<'client'>>()(buildRecordSchema('client'));
export type Client = Static<typeof Client>;

/**
 * A product record (read-only for consumers).
 * @example
 * const withdrawn = (p: Product) => !p.active;
 */
export const Product = typed<RecordStatic<'product'>>()(buildRecordSchema('product'));
export type Product = Static<typeof Product>;

/**
 * A user record: a person at the consumer's organisation known to the provider.
 * @example
 * const name = (u: User) => [u.firstName, u.lastName].filter(Boolean).join(' ');
 */
export const User = typed<RecordStatic<'user'>>()(buildRecordSchema('user'));
export type User = Static<typeof User>;

/**
 * A contract record (SPEC §5, §8).
 * @example
 * const waiting = (c: Contract) => c.status === 120 || c.status === 230;
 */
export const Contract = typed<RecordStatic<'contract'>>()(buildRecordSchema('contract'));
export type Contract = Static<typeof Contract>;

/**
 * A file record (the bytes come from `file-download`). Named `FileRecord` so that it does
 * not shadow the platform's `File`; its OpenAPI component is `File`.
 * @example
 * const etag = (f: FileRecord) => `"${f.sha256}"`;
 */
export const FileRecord = typed<RecordStatic<'file'>>()(buildRecordSchema('file'));
export type FileRecord = Static<typeof FileRecord>;

/**
 * Each record type's schema.
 * @example
 * import { Compile } from 'typebox/compile';
 * const isContract = Compile(RECORD_SCHEMAS.contract);
 */
export const RECORD_SCHEMAS = {
  client: Client,
  product: Product,
  user: User,
  contract: Contract,
  file: FileRecord,
} as const satisfies Record<RecordType, TSchema>;

/**
 * The record type of a record type name.
 * @example
 * const c: RecordOf<'contract'> = { ...contract, status: 130 };
 */
export type RecordOf<T extends RecordType> = Static<(typeof RECORD_SCHEMAS)[T]>;

/**
 * The record as the API returns it: every standard field present, `null` when unset.
 * @example
 * recordSchema('contract') === Contract; // true
 */
export function recordSchema<T extends RecordType>(type: T): (typeof RECORD_SCHEMAS)[T] {
  return RECORD_SCHEMAS[type];
}

/**
 * Body of `POST /v1/client`: persons need `lastName`, companies `companyName`; `null`
 * means unset; `_` fields are kept.
 * @example
 * const body: ClientCreate = { type: 'person', lastName: 'Huber', firstName: 'Anna' };
 */
export const ClientCreate = typed<CreateStatic<'client'>>()(buildCreateSchema('client'));
export type ClientCreate = Static<typeof ClientCreate>;

/**
 * Body of `PATCH /v1/client`: `id`, optional `version`, the fields to change (`null` clears).
 * @example
 * const body: ClientPatch = { id: 'cl-1', version: 3, email: null };
 */
export const ClientPatch = typed<PatchStatic<'client'>>()(buildPatchSchema('client'));
export type ClientPatch = Static<typeof ClientPatch>;

/**
 * Body of `POST /v1/contract`: status 100 or 120 (the default).
 * @example
 * const body: ContractCreate = { holderId: 'cl-1', productId: 'p-1', premium: '42.00', currency: 'EUR' };
 */
export const ContractCreate = typed<CreateStatic<'contract'>>()(buildCreateSchema('contract'));
export type ContractCreate = Static<typeof ContractCreate>;

/**
 * Body of `PATCH /v1/contract`: data fields, a consumer status (120, 190, 230), a one-shot `callbackUrl`.
 * @example
 * const body: ContractPatch = { id: 'c-1', status: 230 };
 */
export const ContractPatch = typed<PatchStatic<'contract'>>()(buildPatchSchema('contract'));
export type ContractPatch = Static<typeof ContractPatch>;

/**
 * Record types a consumer may create and change (`POST`/`PATCH /v1/<type>`).
 * @example
 * WRITABLE_TYPES.includes('client'); // true
 */
export const WRITABLE_TYPES = ['client', 'contract'] as const;
/**
 * `'client' | 'contract'`.
 * @example
 * const type: WritableType = 'contract';
 */
export type WritableType = (typeof WRITABLE_TYPES)[number];

const CREATE_SCHEMAS = { client: ClientCreate, contract: ContractCreate } as const;
const PATCH_SCHEMAS = { client: ClientPatch, contract: ContractPatch } as const;

/**
 * The create body of a writable record type.
 * @example
 * const body: CreateOf<'client'> = { type: 'company', companyName: 'Acme GmbH' };
 */
export type CreateOf<T extends WritableType> = Static<(typeof CREATE_SCHEMAS)[T]>;
/**
 * The PATCH body of a writable record type.
 * @example
 * const body: PatchOf<'contract'> = { id: 'c-1', status: 190 };
 */
export type PatchOf<T extends WritableType> = Static<(typeof PATCH_SCHEMAS)[T]>;

/**
 * Request body of a consumer's POST. `null` is accepted for optional fields and means "unset".
 * @example
 * createSchema('contract') === ContractCreate; // true
 */
export function createSchema<T extends WritableType>(type: T): (typeof CREATE_SCHEMAS)[T] {
  return CREATE_SCHEMAS[type];
}

/**
 * Request body of a consumer's PATCH: `id`, optional `version`, any writable field; `null` clears.
 * @example
 * patchSchema('client') === ClientPatch; // true
 */
export function patchSchema<T extends WritableType>(type: T): (typeof PATCH_SCHEMAS)[T] {
  return PATCH_SCHEMAS[type];
}

type ReferenceTable = {
  [T in RecordType]: {
    [K in keyof Fields<T> as Fields<T>[K] extends { references: RecordType } ? K : never]: Fields<T>[K] extends {
      references: infer R;
    }
      ? R
      : never;
  };
};

/**
 * The id fields of each record type and the record type each points at (SPEC §4: a write
 * may refer only to records the consumer may see), from the field tables' `references`.
 * @example
 * REFERENCE_FIELDS.contract; // { holderId: 'client', productId: 'product', userId: 'user' }
 */
export const REFERENCE_FIELDS = Object.fromEntries(
  RECORD_TYPES.map((type) => [
    type,
    Object.fromEntries(
      Object.entries(fieldTable(type)).flatMap(([key, def]) => (def.references ? [[key, def.references]] : [])),
    ),
  ]),
) as ReferenceTable;
