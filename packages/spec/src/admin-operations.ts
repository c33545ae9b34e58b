import Type, { type TSchema } from 'typebox';
import { ADMIN_CONSOLE_OPERATIONS, adminConsoleSchemas } from './admin-console.js';
import { AWAITING_PROVIDER_STATUSES, CONTRACT_STATUS_CODES } from './lifecycle.js';
import type { OperationDef, ParamDef } from './operations.js';
import { ref } from './operations.js';
import { Id } from './primitives.js';
import type { ProblemCode } from './problems.js';
import { contractFields, FILE_CATEGORIES, IMPORT_TYPES, importLineSchema, schemaName } from './records.js';

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

export const ADMIN_OPERATIONS: readonly OperationDef[] = [
  {
    operationId: 'adminImportRecords',
    method: 'POST',
    path: '/admin/api/records',
    tag: 'back office',
    summary: 'Import records (NDJSON)',
    description: `Bulk upsert of clients, products, users and contracts, one JSON object a line (\`application/x-ndjson\`): the record as the API returns it, plus \`recordType\` and the owning \`consumerId\`. Every line is validated first; any error is a 400 listing the errors with their line numbers, and nothing is applied. Otherwise the whole import is applied in one transaction. References stay within the consumer: \`holderId\` and \`userId\` name the same consumer's client and user (in the store or anywhere in the import), \`productId\` a product. Records merge with what is stored (\`null\` clears); unchanged records keep their version; a changed contract status sends its callbacks. Line schemas: ${IMPORT_TYPES.map((t) => `\`Import${schemaName(t)}\``).join(', ')}.`,
    security: 'admin',
    requestBody: {
      description: 'NDJSON: one record a line.',
      content: {
        'application/x-ndjson': {
          // Each line is one of these objects.
          schema: { oneOf: IMPORT_TYPES.map((t) => ref(`Import${schemaName(t)}`)) } as unknown as TSchema,
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
    description: 'The newest deliveries first, each with every attempt (time, duration, HTTP status or error).',
    security: 'admin',
    parameters: [
      { name: 'consumer-id', in: 'query', schema: ref('Id'), description: 'Only this consumer’s deliveries.' },
      { name: 'contract-id', in: 'query', schema: ref('Id'), description: 'Only this contract’s deliveries.' },
      {
        name: 'state',
        in: 'query',
        schema: Type.Enum(['pending', 'delivered', 'gone', 'failed']),
        description: 'Only deliveries in this state.',
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
  ...ADMIN_CONSOLE_OPERATIONS,
];

/** A contract field as the provider may set it with a status change: its record schema, or `null`. */
const contractField = (key: keyof typeof contractFields, description: string) => ({
  anyOf: [contractFields[key].schema, Type.Null()],
  description,
});

/**
 * Body of `POST /admin/api/contracts/{id}/status`: the fields keep the constraints they
 * have in the contract record, so a status change can never store what a record may not hold.
 */
export function statusChangeSchema(): TSchema {
  return {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'integer', enum: CONTRACT_STATUS_CODES, description: 'Any status of the table.' },
      statusNote: contractField('statusNote', 'The provider’s note (e.g. what is missing).'),
      contractNumber: contractField('contractNumber', 'The contract (policy) number.'),
      endReason: contractField('endReason', 'Why the contract ended.'),
      startDate: contractField('startDate', 'Start of cover.'),
      endDate: contractField('endDate', 'End of cover.'),
    },
    additionalProperties: false,
  } as unknown as TSchema;
}

export function adminComponentSchemas(): Record<string, unknown> {
  const schemas: Record<string, unknown> = {
    StatusChange: statusChangeSchema(),
    AttachFile: Type.Object(
      {
        file: Type.String({ format: 'binary' }),
        category: Type.Enum([...FILE_CATEGORIES]),
        asProposal: Type.Optional(Type.Enum(['true', 'false'], { description: 'Point `proposalFileId` at it.' })),
      },
      { additionalProperties: false },
    ),
    AttachedFile: Type.Object(
      { file: ref('File') as unknown as TSchema, contract: ref('Contract') as unknown as TSchema },
      { additionalProperties: false },
    ),
    ImportReport: Type.Object(
      {
        lines: Type.Integer({ description: 'Records read.' }),
        created: Type.Integer(),
        updated: Type.Integer(),
        unchanged: Type.Integer({ description: 'Lines that changed nothing (their version stays).' }),
        deleted: Type.Integer(),
        statusChanges: Type.Integer({ description: 'Contract status changes (each sent its callbacks).' }),
      },
      { additionalProperties: false },
    ),
    DeliveryAttempt: Type.Object(
      {
        attempt: Type.Integer({ minimum: 1 }),
        startedAt: Type.String({ format: 'date-time' }),
        durationMs: Type.Integer(),
        status: Type.Union([Type.Integer(), Type.Null()], { description: 'HTTP status of the answer, if any.' }),
        error: Type.Union([Type.String(), Type.Null()]),
      },
      { additionalProperties: false },
    ),
    Delivery: Type.Object(
      {
        webhookId: Type.String(),
        consumerId: Id,
        contractId: Id,
        url: Type.String(),
        kind: Type.Enum(['one-shot', 'standing']),
        state: Type.Enum(['pending', 'delivered', 'gone', 'failed']),
        payload: Type.Unsafe({ $ref: '#/components/schemas/CallbackEvent' }),
        createdAt: Type.String({ format: 'date-time' }),
        nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        attempts: Type.Array(ref('DeliveryAttempt') as unknown as TSchema),
      },
      { additionalProperties: false },
    ),
  };
  for (const type of IMPORT_TYPES) schemas[`Import${schemaName(type)}`] = importLineSchema(type);
  return { ...schemas, ...adminConsoleSchemas() };
}
