import Type, { type Static, type TSchema } from 'typebox';
import type { CallbackEvent } from '../callbacks.js';
import type { Simplify } from '../internal.js';
import { AWAITING_PROVIDER_STATUSES, CONTRACT_STATUS_CODES, type ContractStatus } from '../lifecycle.js';
import type { OperationDef, ParamDef } from '../operations.js';
import { ref } from '../operations.js';
import { Id, typed } from '../primitives.js';
import type { ProblemCode } from '../problems.js';
import {
  type Contract,
  contractFields,
  FILE_CATEGORIES,
  type FileRecord,
  RECORD_TYPES,
  type RecordFieldsOf,
} from '../records.js';
import { AUDIT_OPERATIONS, auditSchemas } from './audit.js';
import { ADMIN_CONSOLE_OPERATIONS, adminConsoleSchemas } from './console.js';
import { DELIVERY_KINDS, DELIVERY_STATES } from './constants.js';
import { PROVIDER_ENDPOINT_OPERATIONS, providerEndpointSchemas } from './provider-endpoints.js';
import { ProviderEvent } from './provider-events.js';
import { IMPORT_LINE_SCHEMAS, IMPORT_TYPES, importSchemaName } from './records-import.js';

/**
 * The provider's back office (`/admin/api`, bearer `ADMIN_TOKEN`): what a provider's own
 * systems do — import records, set contract statuses, attach documents, see what waits
 * for them and how callbacks went. Documented in `admin-openapi.json`.
 */

const json = (schema: TSchema | { $ref: string }) => ({ 'application/json': { schema } });

// 429: too many failed authentications from the address (AUTH_FAILURE_LIMIT).
const ADMIN_PROBLEMS: ProblemCode[] = ['unauthorized', 'forbidden', 'rate-limited'];

const contractIdParam: ParamDef = {
  name: 'id',
  in: 'path',
  required: true,
  schema: ref('Id'),
  description: 'The contract id.',
};

export { DELIVERY_KINDS, DELIVERY_STATES, type DeliveryKind, type DeliveryState } from './constants.js';

/**
 * The back office's operations (`/admin/api`), documented in `admin-openapi.json`.
 * @example
 * ADMIN_OPERATIONS.find((op) => op.operationId === 'adminDeliveries')?.path; // '/admin/api/deliveries'
 */
export const ADMIN_OPERATIONS: readonly OperationDef[] = [
  {
    operationId: 'adminImportRecords',
    method: 'POST',
    path: '/admin/api/records',
    tag: 'back office',
    summary: 'Import records (NDJSON)',
    description: `Bulk upsert of clients, products, users and contracts, one JSON object a line (\`application/x-ndjson\`): the record as the API returns it, plus \`recordType\` and the owning \`consumerId\`. Every line is validated first; any error is a 400 listing the errors with their line numbers, and nothing is applied. Otherwise the whole import is applied in one transaction. References stay within the consumer: \`holderId\` and \`userId\` name the same consumer's client and user (in the store or anywhere in the import), \`productId\` a product. Records merge with what is stored (\`null\` clears); unchanged records keep their version; a changed contract status sends its callbacks. Line schemas: ${IMPORT_TYPES.map((t) => `\`${importSchemaName(t)}\``).join(', ')}.`,
    security: 'admin',
    requestBody: {
      description: 'NDJSON: one record a line.',
      content: {
        'application/x-ndjson': {
          // Each line is one of these objects.
          schema: { oneOf: IMPORT_TYPES.map((t) => ref(importSchemaName(t))) },
          example: {
            recordType: 'contract',
            id: 'c-1',
            consumerId: 'acme',
            holderId: 'cl-1',
            productId: 'p-1',
            status: 320,
          },
        },
      },
    },
    responses: { 200: { description: 'What the import did.', content: json(ref('ImportReport')) } },
    problems: [...ADMIN_PROBLEMS, 'invalid-body', 'unsupported-media-type', 'payload-too-large'],
  },
  {
    operationId: 'adminSetContractStatus',
    method: 'POST',
    path: '/admin/api/contracts/{id}/status',
    tag: 'back office',
    summary: 'Set a contract’s status',
    description:
      'The provider moves a contract to any status of the table, with a note and the data that come with it (a contract number for 320, an end reason for 4xx). A change of status sends the callbacks.',
    security: 'admin',
    parameters: [contractIdParam],
    requestBody: { description: 'The new status and its data.', content: json(ref('StatusChange')) },
    responses: { 200: { description: 'The contract.', content: json(ref('Contract')) } },
    problems: [...ADMIN_PROBLEMS, 'invalid-body', 'malformed-json', 'not-found', 'conflict'],
  },
  {
    operationId: 'adminAttachContractFile',
    method: 'POST',
    path: '/admin/api/contracts/{id}/files',
    tag: 'back office',
    summary: 'Attach a document to a contract',
    description:
      'Stores a document (`multipart/form-data`: `file`, `category`, optional `asProposal=true` to set the contract’s `proposalFileId`) and adds it to the contract’s `fileIdList`.',
    security: 'admin',
    parameters: [contractIdParam],
    requestBody: { description: 'The document.', content: { 'multipart/form-data': { schema: ref('AttachFile') } } },
    responses: { 201: { description: 'The file record and the contract.', content: json(ref('AttachedFile')) } },
    problems: [
      ...ADMIN_PROBLEMS,
      'invalid-body',
      'not-found',
      'conflict',
      'payload-too-large',
      'unsupported-media-type',
    ],
  },
  {
    operationId: 'adminAwaitingContracts',
    method: 'GET',
    path: '/admin/api/contracts/awaiting',
    tag: 'back office',
    summary: 'Contracts waiting for the provider',
    description: `Contracts at ${AWAITING_PROVIDER_STATUSES.join(' (proposal requested) or ')} (order placed), oldest first.`,
    security: 'admin',
    parameters: [
      {
        name: 'consumer-id',
        in: 'query',
        schema: ref('Id'),
        description: 'Only this consumer’s contracts.',
      },
    ],
    responses: {
      200: {
        description: 'The waiting contracts.',
        content: json({ type: 'array', items: ref('Contract') } as TSchema),
      },
    },
    problems: [...ADMIN_PROBLEMS, 'invalid-parameter'],
  },
  {
    operationId: 'adminDeliveries',
    method: 'GET',
    path: '/admin/api/deliveries',
    tag: 'callbacks',
    summary: 'Callback deliveries and their attempts',
    description:
      'The newest deliveries first — consumer callbacks and provider events (`kind=provider`, to `PROVIDER_WEBHOOK_URL`) — each with every attempt (time, duration, HTTP status or error).',
    security: 'admin',
    parameters: [
      { name: 'consumer-id', in: 'query', schema: ref('Id'), description: 'Only this consumer’s deliveries.' },
      { name: 'contract-id', in: 'query', schema: ref('Id'), description: 'Only this contract’s deliveries.' },
      {
        name: 'state',
        in: 'query',
        schema: Type.Enum([...DELIVERY_STATES]),
        description: 'Only deliveries in this state.',
      },
      {
        name: 'kind',
        in: 'query',
        schema: Type.Enum([...DELIVERY_KINDS]),
        description: 'Only deliveries of this kind (`provider`: the provider events).',
      },
      {
        name: 'limit',
        in: 'query',
        schema: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        description: 'At most this many (default 100).',
      },
    ],
    responses: {
      200: { description: 'The deliveries.', content: json({ type: 'array', items: ref('Delivery') } as TSchema) },
    },
    problems: [...ADMIN_PROBLEMS, 'invalid-parameter'],
  },
  {
    operationId: 'adminRedeliver',
    method: 'POST',
    path: '/admin/api/deliveries/{id}/redeliver',
    tag: 'callbacks',
    summary: 'Deliver a failed callback again',
    description:
      'Puts a `failed` or `gone` delivery back in the queue, due at once, with the same `webhook-id` and body (receivers de-duplicate by `webhook-id`) — e.g. after the consumer fixed its endpoint. One attempt is made now; a delivery still inside its retry window keeps retrying after it, an older one is `failed` again if that attempt fails. A `pending` or `delivered` delivery is a 409. Recorded in the audit trail.',
    security: 'admin',
    parameters: [
      { name: 'id', in: 'path', required: true, schema: ref('Id'), description: 'The delivery’s `webhookId`.' },
    ],
    responses: { 200: { description: 'The delivery, pending again.', content: json(ref('Delivery')) } },
    problems: [...ADMIN_PROBLEMS, 'not-found', 'conflict'],
  },
  {
    operationId: 'adminRecord',
    method: 'GET',
    path: '/admin/api/records/{type}/{id}',
    tag: 'back office',
    summary: 'One record, whoever owns it',
    description:
      'A record of any type by its id, deleted ones (tombstones) too, with the consumer that owns it (`null` for the products and their files, which every consumer sees) and, for a contract, its files.',
    security: 'admin',
    parameters: [
      {
        name: 'type',
        in: 'path',
        required: true,
        schema: Type.Enum([...RECORD_TYPES]),
        description: 'The record type.',
      },
      { name: 'id', in: 'path', required: true, schema: ref('Id'), description: 'The record id.' },
    ],
    responses: { 200: { description: 'The record.', content: json(ref('AdminRecord')) } },
    problems: [...ADMIN_PROBLEMS, 'invalid-parameter', 'not-found'],
  },
  {
    operationId: 'adminClientsByExternalId',
    method: 'GET',
    path: '/admin/api/clients',
    tag: 'back office',
    summary: 'A consumer’s clients by its own id for them',
    description:
      'The clients of one consumer whose `externalId` (the consumer’s own id for the client, e.g. its CRM number) is the given one. An `externalId` belongs to its consumer, so the consumer is required.',
    security: 'admin',
    parameters: [
      { name: 'consumer-id', in: 'query', required: true, schema: ref('Id'), description: 'The consumer.' },
      {
        name: 'external-id',
        in: 'query',
        required: true,
        schema: Type.String({ minLength: 1, maxLength: 255 }),
        description: 'The consumer’s id for the client.',
      },
    ],
    responses: {
      200: { description: 'The matching clients.', content: json({ type: 'array', items: ref('Client') } as TSchema) },
    },
    problems: [...ADMIN_PROBLEMS, 'invalid-parameter'],
  },
  ...ADMIN_CONSOLE_OPERATIONS,
  ...AUDIT_OPERATIONS,
  ...PROVIDER_ENDPOINT_OPERATIONS,
];

/** The contract fields a status change may set besides the status, with what they mean there. */
const STATUS_CHANGE_FIELDS = {
  statusNote: 'The provider’s note (e.g. what is missing).',
  contractNumber: 'The contract (policy) number.',
  endReason: 'Why the contract ended.',
  startDate: 'Start of cover.',
  endDate: 'End of cover.',
} as const satisfies Partial<Record<keyof typeof contractFields, string>>;

type StatusChangeStatic = Simplify<
  { status: ContractStatus } & {
    [K in keyof typeof STATUS_CHANGE_FIELDS]?: RecordFieldsOf<'contract'>[K];
  }
>;

/**
 * Body of `POST /admin/api/contracts/{id}/status`: any status of the table, and the data
 * that come with it. The fields keep the constraints they have in the contract record, so
 * a status change can never store what a record may not hold.
 * @example
 * const change: StatusChange = { status: 320, contractNumber: 'POL-2026-000123' };
 */
export const StatusChange = typed<StatusChangeStatic>()({
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'integer', enum: CONTRACT_STATUS_CODES, description: 'Any status of the table.' },
    ...Object.fromEntries(
      Object.entries(STATUS_CHANGE_FIELDS).map(([key, description]) => [
        key,
        // A contract field as the provider may set it with a status change: its record schema, or `null`.
        { anyOf: [contractFields[key as keyof typeof STATUS_CHANGE_FIELDS].schema, Type.Null()], description },
      ]),
    ),
  },
  additionalProperties: false,
});
export type StatusChange = Static<typeof StatusChange>;

/**
 * Body of `POST /admin/api/contracts/{id}/files` (`multipart/form-data`).
 * @example
 * form.set('category', 'proposal'); form.set('asProposal', 'true');
 */
export const AttachFile = Type.Object(
  {
    file: Type.String({ format: 'binary' }),
    category: Type.Enum([...FILE_CATEGORIES]),
    asProposal: Type.Optional(Type.Enum(['true', 'false'], { description: 'Point `proposalFileId` at it.' })),
  },
  { additionalProperties: false },
);
export type AttachFile = Static<typeof AttachFile>;

/**
 * Answer of `POST /admin/api/contracts/{id}/files`: the file record and the contract.
 * @example
 * const { file, contract }: AttachedFile = await response.json();
 */
export const AttachedFile = Type.Object(
  { file: Type.Unsafe<FileRecord>(ref('File')), contract: Type.Unsafe<Contract>(ref('Contract')) },
  { additionalProperties: false },
);
export type AttachedFile = Static<typeof AttachedFile>;

/**
 * Answer of an NDJSON import: what it did.
 * @example
 * const report: ImportReport = { lines: 2, created: 1, updated: 1, unchanged: 0, deleted: 0, statusChanges: 1 };
 */
export const ImportReport = Type.Object(
  {
    lines: Type.Integer({ description: 'Records read.' }),
    created: Type.Integer(),
    updated: Type.Integer(),
    unchanged: Type.Integer({ description: 'Lines that changed nothing (their version stays).' }),
    deleted: Type.Integer(),
    statusChanges: Type.Integer({ description: 'Contract status changes (each sent its callbacks).' }),
  },
  { additionalProperties: false },
);
export type ImportReport = Static<typeof ImportReport>;

/**
 * One attempt of a callback delivery.
 * @example
 * const a: DeliveryAttempt = { attempt: 1, startedAt: '2026-11-23T10:15:30.123Z', durationMs: 42, status: 200, error: null };
 */
export const DeliveryAttempt = Type.Object(
  {
    attempt: Type.Integer({ minimum: 1 }),
    startedAt: Type.String({ format: 'date-time' }),
    durationMs: Type.Integer(),
    status: Type.Union([Type.Integer(), Type.Null()], { description: 'HTTP status of the answer, if any.' }),
    error: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type DeliveryAttempt = Static<typeof DeliveryAttempt>;

/**
 * A callback delivery with its attempts (`GET /admin/api/deliveries`).
 * @example
 * const due = (d: Delivery) => d.state === 'pending' ? d.nextAttemptAt : null;
 */
export const Delivery = Type.Object(
  {
    webhookId: Type.String(),
    consumerId: Type.Union([Id, Type.Null()], { description: 'The consumer called; `null` for a provider event.' }),
    contractId: Type.Union([Id, Type.Null()], { description: 'The contract concerned; `null` when none is.' }),
    url: Type.String(),
    kind: Type.Enum([...DELIVERY_KINDS]),
    state: Type.Enum([...DELIVERY_STATES]),
    payload: Type.Unsafe<CallbackEvent | ProviderEvent>({
      oneOf: [ref('CallbackEvent'), ref('ProviderEvent')],
    }),
    createdAt: Type.String({ format: 'date-time' }),
    nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    attempts: Type.Array(Type.Unsafe<DeliveryAttempt>(ref('DeliveryAttempt'))),
  },
  { additionalProperties: false },
);
export type Delivery = Static<typeof Delivery>;

/**
 * A record as the back office sees it: whoever owns it, with a contract's files.
 * @example
 * const view: AdminRecord = { type: 'client', ownerId: 'acme', record: { id: 'cl-1' }, files: [] };
 */
export const AdminRecord = Type.Object(
  {
    type: Type.Enum([...RECORD_TYPES]),
    ownerId: Type.Union([Id, Type.Null()], { description: 'The consumer; `null` for products and their files.' }),
    record: Type.Record(Type.String(), Type.Unknown(), { description: 'The record as the API returns it.' }),
    files: Type.Array(ref('File'), { description: 'A contract’s files (`fileIdList`); empty for other types.' }),
  },
  { additionalProperties: false },
);
export type AdminRecord = Static<typeof AdminRecord>;

/**
 * The back office's own component schemas (besides the records and the onboarding ones).
 * @example
 * Object.keys(adminComponentSchemas()).includes('Delivery'); // true
 */
export function adminComponentSchemas(): Record<string, unknown> {
  const schemas: Record<string, unknown> = {
    StatusChange,
    AttachFile,
    AttachedFile,
    ImportReport,
    DeliveryAttempt,
    Delivery,
    AdminRecord,
    ProviderEvent,
  };
  for (const type of IMPORT_TYPES) schemas[importSchemaName(type)] = IMPORT_LINE_SCHEMAS[type];
  return { ...schemas, ...adminConsoleSchemas(), ...auditSchemas(), ...providerEndpointSchemas() };
}
