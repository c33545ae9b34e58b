import Type, { type TSchema } from 'typebox';
import { CONSUMER_TARGET_STATUSES, CONTRACT_STATUS_CODES } from './lifecycle.js';
import { Country, Currency, Email, ExternalId, Id, IsoDate, Money, Sha256, Text, Timestamp } from './primitives.js';

/**
 * Who may write a field:
 * - `consumer`: the consumer may set it on create and change it with PATCH;
 * - `create-only`: the consumer sets it on create, never changes it afterwards;
 * - `provider`: read-only for consumers (set by the provider or derived);
 * - `write-only`: accepted in writes, never part of the record (`callbackUrl`).
 */
export type FieldAccess = 'consumer' | 'create-only' | 'provider' | 'write-only';

export interface FieldDef {
  readonly schema: TSchema;
  readonly access: FieldAccess;
  /** Required in a consumer's create request. */
  readonly requiredOnCreate?: boolean;
  /** Always has a value in a record (never `null`): arrays and mandatory fields. */
  readonly alwaysSet?: boolean;
  readonly description: string;
}

type FieldTable = Readonly<Record<string, FieldDef>>;

const f = (schema: TSchema, access: FieldAccess, description: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  schema,
  access,
  description,
  ...extra,
});

const name = Text(200);
const street = Text(200);

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
  phone: f(Type.String({ pattern: '^\\+?[0-9 ()/.-]{3,40}$' }), 'consumer', 'Phone number, preferably E.164.'),
  street: f(street, 'consumer', 'Street and house number.'),
  postalCode: f(Text(20), 'consumer', 'Postal code.'),
  city: f(Text(100), 'consumer', 'City.'),
  country: f(Country, 'consumer', 'ISO 3166-1 alpha-2 country code.'),
  externalId: f(
    ExternalId,
    'consumer',
    'The consumer’s own id for this client; searchable with `client-list?external-id=`.',
  ),
  userId: f(Id, 'consumer', 'Id of the user (advisor) responsible for this client.'),
} as const satisfies FieldTable;

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

export const productFields = {
  name: f(Text(200), 'provider', 'Product name.', { alwaysSet: true }),
  category: f(Type.Enum([...PRODUCT_CATEGORIES]), 'provider', 'Product category.', { alwaysSet: true }),
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

export const userFields = {
  firstName: f(name, 'provider', 'Given name.'),
  lastName: f(name, 'provider', 'Family name.', { alwaysSet: true }),
  email: f(Email, 'provider', 'E-mail address.'),
  role: f(Type.Enum(['advisor', 'backoffice', 'admin']), 'provider', 'Role at the consumer’s organisation.', {
    alwaysSet: true,
  }),
  active: f(Type.Boolean(), 'provider', 'Whether the user is active.', { alwaysSet: true }),
} as const satisfies FieldTable;

export const PAYMENT_FREQUENCIES = ['monthly', 'quarterly', 'half-yearly', 'yearly', 'single'] as const;

export const contractFields = {
  holderId: f(Id, 'create-only', 'Id of the client holding the contract.', { requiredOnCreate: true, alwaysSet: true }),
  productId: f(Id, 'create-only', 'Id of the product.', { requiredOnCreate: true, alwaysSet: true }),
  userId: f(Id, 'consumer', 'Id of the user (advisor) responsible for the contract.'),
  status: f(
    Type.Enum([...CONTRACT_STATUS_CODES]),
    'consumer',
    'Lifecycle status (see the status table). Consumers create with 100 or 120 and may move to 120, 190 and 230.',
    { alwaysSet: true },
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

export const FILE_CATEGORIES = [
  'proposal',
  'policy',
  'invoice',
  'terms',
  'correspondence',
  'identification',
  'other',
] as const;

export const fileFields = {
  contractId: f(Id, 'create-only', 'Contract the file belongs to.'),
  clientId: f(Id, 'create-only', 'Client the file belongs to.'),
  productId: f(Id, 'provider', 'Product the file belongs to (terms, leaflets).'),
  name: f(Text(255), 'provider', 'File name.', { alwaysSet: true }),
  mimeType: f(Text(255), 'provider', 'Media type of the bytes.', { alwaysSet: true }),
  size: f(Type.Integer({ minimum: 0 }), 'provider', 'Size in bytes.', { alwaysSet: true }),
  sha256: f(Sha256, 'provider', 'SHA-256 of the bytes; also the download’s `ETag`.', { alwaysSet: true }),
  category: f(Type.Enum([...FILE_CATEGORIES]), 'create-only', 'What kind of document it is.', { alwaysSet: true }),
} as const satisfies FieldTable;

export const RECORD_TYPES = ['client', 'product', 'user', 'contract', 'file'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const recordFields: Readonly<Record<RecordType, FieldTable>> = {
  client: clientFields,
  product: productFields,
  user: userFields,
  contract: contractFields,
  file: fileFields,
};

/** The fields every record has, maintained by the provider. */
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

/** Extension field names: `_` then 1–63 word characters. */
export const EXTENSION_PATTERN = '^_[A-Za-z0-9_]{1,63}$';
export const EXTENSION_REGEX = new RegExp(EXTENSION_PATTERN);
const extensionProperties = { [EXTENSION_PATTERN]: {} };

const nullable = (schema: TSchema) => Type.Union([schema, Type.Null()]);

const TITLES: Record<RecordType, string> = {
  client: 'Client',
  product: 'Product',
  user: 'User',
  contract: 'Contract',
  file: 'File',
};

export const schemaName = (type: RecordType, suffix = '') => `${TITLES[type]}${suffix}`;

/** The record as the API returns it: every standard field present, `null` when unset. */
export function recordSchema(type: RecordType): TSchema {
  const properties: Record<string, TSchema> = {};
  for (const [key, def] of Object.entries({ ...metaFields, ...recordFields[type] })) {
    if (def.access === 'write-only') continue;
    const described = { ...def.schema, description: def.description };
    properties[key] = def.alwaysSet ? described : { ...nullable(def.schema), description: def.description };
  }
  return Type.Object(properties, {
    additionalProperties: false,
    patternProperties: extensionProperties,
    description: `A ${type} record. Providers may add extension fields whose names start with \`_\`; consumers ignore those they do not know.`,
  });
}

/** Names of the fields a consumer may send when creating a record of this type. */
export function writableOnCreate(type: RecordType): string[] {
  return Object.entries(recordFields[type])
    .filter(([, d]) => d.access !== 'provider')
    .map(([k]) => k);
}

/** Names of the fields a consumer may send in a PATCH of this type (besides `id` and `version`). */
export function writableOnPatch(type: RecordType): string[] {
  return Object.entries(recordFields[type])
    .filter(([, d]) => d.access === 'consumer' || d.access === 'write-only')
    .map(([k]) => k);
}

/** Per-type narrowing of write schemas, beyond what the field table says. */
const writeOverrides: Partial<
  Record<RecordType, { create?: Record<string, TSchema>; patch?: Record<string, TSchema> }>
> = {
  contract: {
    create: {
      status: Type.Enum([100, 120], {
        default: 120,
        description: '100 (draft) or 120 (create proposal, the default).',
      }),
    },
    patch: {
      status: Type.Enum([...CONSUMER_TARGET_STATUSES], {
        description: 'A status the consumer may set: 120, 190 or 230, each only from the statuses the table allows.',
      }),
    },
  },
};

const fieldSchema = (type: RecordType, key: string, mode: 'create' | 'patch'): TSchema => {
  const def = recordFields[type][key]!;
  const override = writeOverrides[type]?.[mode]?.[key];
  if (override) return override;
  const base = def.alwaysSet || def.requiredOnCreate ? def.schema : nullable(def.schema);
  return { ...base, description: def.description };
};

/** Request body of a consumer's POST. `null` is accepted for optional fields and means "unset". */
export function createSchema(type: RecordType): TSchema {
  const properties: Record<string, TSchema> = {};
  for (const key of writableOnCreate(type)) properties[key] = fieldSchema(type, key, 'create');
  const required = writableOnCreate(type).filter((k) => recordFields[type][k]!.requiredOnCreate);
  return {
    type: 'object',
    required,
    properties,
    additionalProperties: false,
    patternProperties: extensionProperties,
    ...(type === 'client' ? { allOf: clientCreateConditions } : {}),
  } as TSchema;
}

/** Request body of a consumer's PATCH: `id`, optional `version`, any writable field; `null` clears. */
export function patchSchema(type: RecordType): TSchema {
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

/** Record types a provider imports as NDJSON (files come with their bytes, one by one). */
export const IMPORT_TYPES = ['client', 'product', 'user', 'contract'] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];

/** Fields (as named in an import line) a new record needs (existing records are merged with what a line gives). */
export const IMPORT_REQUIRED_ON_CREATE: Record<ImportType, readonly string[]> = {
  client: ['type'],
  product: ['name', 'category'],
  user: ['lastName', 'role'],
  contract: ['holderId', 'productId', 'status'],
};

/**
 * One line of a provider's NDJSON import: the record as the API returns it (any standard
 * or `_` field: the provider may set every field) plus `recordType`, the owning
 * `consumerId` (none for products) and `deleted: true` for a tombstone. Meta fields
 * (`createdAt`, `updatedAt`, `version`) are the server's.
 */
export function importLineSchema(type: ImportType): TSchema {
  const properties: Record<string, TSchema> = {
    recordType: Type.Literal(type),
    id: Id,
    ...(type === 'product' ? {} : { consumerId: { ...Id, description: 'The consumer the record belongs to.' } }),
    deleted: Type.Boolean({ description: '`true` removes the record (a tombstone stays).' }),
  };
  for (const [key, def] of Object.entries(recordFields[type])) {
    if (def.access === 'write-only') continue;
    properties[key] = {
      ...(def.alwaysSet ? def.schema : nullable(def.schema)),
      description: def.description,
    };
  }
  return {
    type: 'object',
    required: ['recordType', 'id', ...(type === 'product' ? [] : ['consumerId'])],
    properties,
    additionalProperties: false,
    patternProperties: extensionProperties,
  } as TSchema;
}

/** Client create requests: persons need `lastName`, companies `companyName` (neither may be `null`). */
const requiredWhen = (type: string, field: string) =>
  ({
    if: { properties: { type: { const: type } }, required: ['type'] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a promise
    then: { required: [field], properties: { [field]: { type: 'string' } } },
  }) as unknown as TSchema;

export const clientCreateConditions: TSchema[] = [
  requiredWhen('person', 'lastName'),
  requiredWhen('company', 'companyName'),
];
