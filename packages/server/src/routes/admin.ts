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
  formatTimestamp,
  ID_REGEX,
  ProblemError,
  type Query,
  wordList,
} from '@finum-sync/spec';
import { DELIVERY_KINDS, DELIVERY_STATES, StatusChange } from '@finum-sync/spec/admin';
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../core/context.js';
import { setContractStatus } from '../core/contracts.js';
import { attachContractFile } from '../core/files.js';
import { importRecords } from '../core/import-records.js';
import { invalidBody } from '../core/write-validation.js';
import {
  type Delivery,
  type DeliveryAttempt,
  type DeliveryKind,
  type DeliveryState,
  PUBLIC_OWNER,
} from '../store/port.js';
import type { Handlers } from './handlers.js';
import { readUpload } from './write.js';

/** An NDJSON import may be large: it is spooled to disk, not held in memory. */
export const IMPORT_BODY_LIMIT = 1024 ** 3;

/** A delivery as the back office shows it. */
export function deliveryView(d: Delivery & { attemptList: DeliveryAttempt[] }) {
  return {
    webhookId: d.id,
    consumerId: d.consumerId === PUBLIC_OWNER ? null : d.consumerId,
    contractId: d.contractId === '' ? null : d.contractId,
    url: d.url,
    kind: d.kind,
    state: d.state,
    payload: JSON.parse(d.payload) as unknown,
    createdAt: formatTimestamp(d.createdMs),
    nextAttemptAt: d.state === 'pending' ? formatTimestamp(d.nextAttemptMs) : null,
    attempts: d.attemptList.map((a) => ({
      attempt: a.attempt,
      startedAt: formatTimestamp(a.startedMs),
      durationMs: a.durationMs,
      status: a.status,
      error: a.error,
    })),
  };
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

/** The fields of a status change keep the constraints they have in the contract record. */
const parseStatusChange = compileParse(StatusChange);

/** The provider's back office (`/admin/api`): see `ADMIN_OPERATIONS` in the spec. */
export function adminHandlers(app: FastifyInstance, ctx: CoreContext, dataDir: string): Handlers {
  const { store } = ctx;
  // NDJSON arrives as a stream; the import reads it twice (validate, then apply).
  app.addContentTypeParser('application/x-ndjson', { bodyLimit: IMPORT_BODY_LIMIT }, (_request, payload, done) =>
    done(null, payload),
  );

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
        // The NDJSON parser above hands the request stream over as the body.
        if (!(request.body instanceof Readable)) throw new Error('the NDJSON body is not a stream');
        await pipeline(request.body, createWriteStream(spool));
        const report = await importRecords(ctx, () =>
          createInterface({ input: createReadStream(spool), crlfDelay: Infinity }),
        );
        return reply.send(report);
      } finally {
        await rm(spool, { force: true });
      }
    },

    adminSetContractStatus: async (request, reply) => {
      const { id } = request.params as { id: string };
      const { body } = request;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw invalidBody([{ field: '', message: 'the body must be a JSON object' }]);
      }
      const change = parseStatusChange(body);
      if (!change.ok) throw invalidBody(change.errors);
      const contract = await setContractStatus(ctx, id, change.value);
      return reply.send(contract.data);
    },

    adminAttachContractFile: async (request, reply) => {
      const { id } = request.params as { id: string };
      const { fields, ...upload } = await readUpload(request);
      const { category, asProposal, ...unknown } = fields;
      if (Object.keys(unknown).length > 0) {
        throw invalidBody(Object.keys(unknown).map((field) => ({ field, message: 'is not a known field' })));
      }
      const result = await attachContractFile(ctx, id, upload, category ?? '', { asProposal: asProposal === 'true' });
      return reply.code(201).send({ file: result.file.data, contract: result.contract?.data });
    },

    adminAwaitingContracts: async (request, reply) => {
      const ownerId = optionalId(request.query, 'consumer-id');
      const contracts = await store.contractsByStatus(AWAITING_PROVIDER_STATUSES, ownerId ? { ownerId } : {});
      return reply.send(contracts.map((c) => c.data));
    },

    adminDeliveries: async (request, reply) => {
      const { query } = request;
      const state = query.state as DeliveryState | undefined;
      if (state !== undefined && !DELIVERY_STATES.includes(state)) {
        throw new ProblemError('invalid-parameter', `state must be ${wordList(DELIVERY_STATES, 'or')}.`);
      }
      const kind = query.kind as DeliveryKind | undefined;
      if (kind !== undefined && !DELIVERY_KINDS.includes(kind)) {
        throw new ProblemError('invalid-parameter', `kind must be ${wordList(DELIVERY_KINDS, 'or')}.`);
      }
      const limit = query.limit === undefined ? 100 : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new ProblemError('invalid-parameter', 'limit must be an integer from 1 to 1000.');
      }
      const consumerId = optionalId(query, 'consumer-id');
      const contractId = optionalId(query, 'contract-id');
      const deliveries = await store.listDeliveries({
        limit,
        ...(consumerId ? { consumerId } : {}),
        ...(contractId ? { contractId } : {}),
        ...(state ? { state } : {}),
        ...(kind ? { kind } : {}),
      });
      return reply.send(deliveries.map(deliveryView));
    },
  };
}
