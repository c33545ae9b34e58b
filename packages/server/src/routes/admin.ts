import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AWAITING_PROVIDER_STATUSES,
  compileParse,
  type FieldError,
  ID_REGEX,
  ProblemError,
  type Query,
  RECORD_TYPES,
  wordList,
} from '@finum-sync/spec';
import {
  ACTOR_KINDS,
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  DELIVERY_KINDS,
  DELIVERY_STATES,
  NewProviderEndpoint,
  StatusChange,
} from '@finum-sync/spec/admin';
import type { Config } from '../config.js';
import { auditView } from '../core/audit.js';
import type { CoreContext } from '../core/context.js';
import { setContractStatus } from '../core/contracts.js';
import { deliveryView, redeliver } from '../core/deliveries.js';
import { attachContractFile } from '../core/files.js';
import { importRecords } from '../core/import-records.js';
import {
  addProviderEndpoint,
  listProviderEndpoints,
  providerEndpointPolicy,
  removeProviderEndpoint,
  rotateProviderEndpointSecret,
} from '../core/provider-endpoints.js';
import { invalidBody } from '../core/write-validation.js';
import { adminActor } from '../plugins/admin-auth.js';
import {
  type AuditFilter,
  type AuditStore,
  type DeliveryFilter,
  type DeliveryKind,
  type DeliveryState,
  type OutboxStore,
  PUBLIC_OWNER,
  type RecordStore,
  type Transactional,
} from '../store/port.js';
import { bodyOf, checked, type Handlers, pathParam } from './handlers.js';
import { readUpload } from './write.js';

/** An NDJSON import may be large: it is spooled to disk, not held in memory. */
export const IMPORT_BODY_LIMIT = 1024 ** 3;

/** A query parameter that must be one of a list of words, when given. */
function optionalWord<T extends string>(query: Query, name: string, words: readonly T[]): T | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(words as readonly string[]).includes(value)) {
    const message = `must be ${wordList(words, 'or')}`;
    throw new ProblemError('invalid-parameter', `${name} ${message}.`, { errors: [{ field: name, message }] });
  }
  return value as T;
}

/** A query parameter that must be an RFC 3339 time, when given: epoch milliseconds. */
function optionalTime(query: Query, name: string): number | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    const message = 'must be an RFC 3339 date-time, e.g. 2026-11-28T09:00:00Z';
    throw new ProblemError('invalid-parameter', `${name} ${message}.`, { errors: [{ field: name, message }] });
  }
  return ms;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** A `limit` query parameter: 1–1000, 100 when not given. */
function limitOf(query: Query): number {
  const limit = query.limit === undefined ? 100 : Number(query.limit);
  if (typeof query.limit === 'object' || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new ProblemError('invalid-parameter', 'limit must be an integer from 1 to 1000.', {
      errors: [{ field: 'limit', message: 'must be an integer from 1 to 1000' }],
    });
  }
  return limit;
}

function optionalId(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !ID_REGEX.test(value)) {
    throw new ProblemError('invalid-parameter', `${name} must be a valid id.`, {
      errors: [{ field: name, message: 'must be a valid id' }],
    });
  }
  return value;
}

const parseNewEndpoint = compileParse(NewProviderEndpoint);

/** The fields of a status change keep the constraints they have in the contract record. */
const parseStatusChange = compileParse(StatusChange);

/** The slices of the store the back office reads besides the core's: the outbox and the audit trail. */
export type AdminApiStore = Transactional & RecordStore & OutboxStore & AuditStore;

/** The provider's back office (`/admin/api`): see `ADMIN_OPERATIONS` in the spec. */
export function adminHandlers(
  ctx: CoreContext,
  config: Pick<Config, 'dataDir' | 'allowPrivateCallbacks' | 'providerWebhookAllowHosts'>,
  store: AdminApiStore,
): Handlers {
  const { dataDir } = config;
  // Provider event endpoints: the policy of PROVIDER_WEBHOOK_URL (SPEC §10).
  const endpointPolicy = providerEndpointPolicy(config);

  return {
    adminImportRecords: async (request, reply) => {
      if (!request.headers['content-type']?.startsWith('application/x-ndjson')) {
        throw new ProblemError(
          'unsupported-media-type',
          'Send the records as application/x-ndjson, one JSON object a line.',
        );
      }
      const spool = join(dataDir, 'tmp', `import-${randomUUID()}.ndjson`);
      await mkdir(join(dataDir, 'tmp'), { recursive: true });
      try {
        // The NDJSON parser (app.ts) hands the request stream over as the body.
        if (!(request.body instanceof Readable)) throw new Error('the NDJSON body is not a stream');
        await pipeline(request.body, createWriteStream(spool));
        const report = await importRecords(
          ctx,
          () => createInterface({ input: createReadStream(spool), crlfDelay: Infinity }),
          adminActor(request),
        );
        return reply.send(report);
      } finally {
        await rm(spool, { force: true });
      }
    },

    adminSetContractStatus: checked(
      { body: (body) => jsonObjectOf(parseStatusChange, body) },
      async (request, reply) => {
        const id = pathParam(request, 'id');
        const contract = await setContractStatus(ctx, id, request.body, adminActor(request));
        return reply.send(contract.data);
      },
    ),

    adminAttachContractFile: async (request, reply) => {
      const id = pathParam(request, 'id');
      const { fields, ...upload } = await readUpload(request);
      const { category, asProposal, ...unknown } = fields;
      if (Object.keys(unknown).length > 0) {
        throw invalidBody(Object.keys(unknown).map((field) => ({ field, message: 'is not a known field' })));
      }
      const result = await attachContractFile(
        ctx,
        id,
        upload,
        category ?? '',
        { asProposal: asProposal === 'true' },
        adminActor(request),
      );
      return reply.code(201).send({ file: result.file.data, contract: result.contract?.data });
    },

    adminAwaitingContracts: checked({ query: (query) => optionalId(query, 'consumer-id') }, async (request, reply) => {
      const ownerId = request.query;
      const contracts = await store.contractsByStatus(AWAITING_PROVIDER_STATUSES, ownerId ? { ownerId } : {});
      return reply.send(contracts.map((c) => c.data));
    }),

    adminDeliveries: checked({ query: deliveryFilterOf }, async (request, reply) =>
      reply.send((await store.listDeliveries(request.query)).map(deliveryView)),
    ),

    adminRedeliver: async (request, reply) => {
      const webhookId = pathParam(request, 'id');
      await redeliver(ctx, webhookId, adminActor(request));
      const [delivery] = await store.listDeliveries({ webhookId, limit: 1 });
      return reply.send(deliveryView(delivery!));
    },

    adminRecord: async (request, reply) => {
      const type = RECORD_TYPES.find((t) => t === pathParam(request, 'type'));
      const id = pathParam(request, 'id');
      if (!type) throw new ProblemError('invalid-parameter', `type must be ${wordList(RECORD_TYPES, 'or')}.`);
      const view = await store.transaction(async (tx) => {
        const stored = await tx.getRecord(type, id);
        if (!stored) return undefined;
        const fileIds = type === 'contract' ? ((stored.data.fileIdList as string[] | undefined) ?? []) : [];
        const files = fileIds.length ? await tx.getRecords('file', fileIds) : new Map();
        return {
          type,
          ownerId: stored.ownerId === PUBLIC_OWNER ? null : stored.ownerId,
          record: stored.data,
          files: fileIds.flatMap((fileId) => {
            const file = files.get(fileId);
            return file ? [file.data] : [];
          }),
        };
      });
      if (!view) throw new ProblemError('not-found', `No ${type} '${id}'.`);
      return reply.send(view);
    },

    adminClientsByExternalId: checked({ query: externalIdQueryOf }, async (request, reply) => {
      const { consumerId, externalId } = request.query;
      const json = await store.recordsByField('client', consumerId, 'externalId', externalId);
      return reply.type('application/json').send(json);
    }),

    adminProviderEndpoints: async (_request, reply) =>
      reply.send(await listProviderEndpoints(store, ctx.providerWebhookUrls)),

    adminAddProviderEndpoint: checked(
      { body: (body) => jsonObjectOf(parseNewEndpoint, body) },
      async (request, reply) => {
        const added = await addProviderEndpoint(
          store,
          request.body,
          { policy: endpointPolicy, environmentUrls: ctx.providerWebhookUrls },
          adminActor(request),
        );
        return reply.code(201).send(added);
      },
    ),

    adminRemoveProviderEndpoint: async (request, reply) => {
      const id = pathParam(request, 'id');
      await removeProviderEndpoint(store, id, adminActor(request));
      return reply.code(204).send();
    },

    adminRotateProviderEndpointSecret: async (request, reply) => {
      const id = pathParam(request, 'id');
      return reply.send(await rotateProviderEndpointSecret(store, id, adminActor(request)));
    },

    adminAudit: checked({ query: auditFilterOf }, async (request, reply) =>
      reply.send((await store.listAudit(request.query)).map(auditView)),
    ),
  };
}

/** The filter of `GET /admin/api/deliveries`, from its query parameters. */
function deliveryFilterOf(query: Query): DeliveryFilter {
  const state = query.state as DeliveryState | undefined;
  if (state !== undefined && !DELIVERY_STATES.includes(state)) {
    throw new ProblemError('invalid-parameter', `state must be ${wordList(DELIVERY_STATES, 'or')}.`);
  }
  const kind = query.kind as DeliveryKind | undefined;
  if (kind !== undefined && !DELIVERY_KINDS.includes(kind)) {
    throw new ProblemError('invalid-parameter', `kind must be ${wordList(DELIVERY_KINDS, 'or')}.`);
  }
  const limit = limitOf(query);
  const consumerId = optionalId(query, 'consumer-id');
  const contractId = optionalId(query, 'contract-id');
  return {
    limit,
    ...(consumerId ? { consumerId } : {}),
    ...(contractId ? { contractId } : {}),
    ...(state ? { state } : {}),
    ...(kind ? { kind } : {}),
  };
}

/** The filter of `GET /admin/api/audit`, from its query parameters. */
function auditFilterOf(query: Query): AuditFilter {
  const targetId = query['target-id'];
  if (targetId !== undefined && (typeof targetId !== 'string' || targetId === '' || targetId.length > 200)) {
    const message = 'must be one id (1–200 characters)';
    throw new ProblemError('invalid-parameter', `target-id ${message}.`, {
      errors: [{ field: 'target-id', message }],
    });
  }
  const sinceMs = optionalTime(query, 'since');
  const untilMs = optionalTime(query, 'until');
  return {
    limit: limitOf(query),
    action: optionalWord(query, 'action', AUDIT_ACTIONS),
    actorKind: optionalWord(query, 'actor-kind', ACTOR_KINDS),
    targetType: optionalWord(query, 'target-type', AUDIT_TARGET_TYPES),
    ...(targetId !== undefined ? { targetId } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
  };
}

/** `GET /admin/api/clients`: the consumer (required) and the externalId. */
function externalIdQueryOf(query: Query): { consumerId: string; externalId: string } {
  const consumerId = optionalId(query, 'consumer-id');
  const externalId = query['external-id'];
  if (!consumerId)
    throw new ProblemError('invalid-parameter', 'consumer-id is required: an externalId belongs to its consumer.');
  if (typeof externalId !== 'string' || externalId === '' || externalId.length > 255) {
    throw new ProblemError('invalid-parameter', 'external-id must be one value (1–255 characters).', {
      errors: [{ field: 'external-id', message: 'must be one value (1–255 characters)' }],
    });
  }
  return { consumerId, externalId };
}

/** A body that must be a JSON object, then what `parse` makes of it (`invalid-body` naming every wrong field). */
function jsonObjectOf<T>(
  parse: (value: unknown) => { ok: true; value: T } | { ok: false; errors: FieldError[] },
  body: unknown,
): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidBody([{ field: '', message: 'the body must be a JSON object' }]);
  }
  return bodyOf(parse, body);
}
