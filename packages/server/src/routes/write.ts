import { createHash } from 'node:crypto';
import type {} from '@fastify/multipart';
import { ProblemError, type WritableType } from '@finum-sync/spec';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createClient, updateClient } from '../core/clients.js';
import type { BeforeCommit, CoreContext } from '../core/context.js';
import { createContract, updateContract } from '../core/contracts.js';
import { type Upload, uploadFile } from '../core/files.js';
import { nulRefused } from '../core/json-values.js';
import { type WriteBody, writeBodyOf } from '../core/write-validation.js';
import { idempotent } from '../plugins/idempotency.js';
import type { IdempotencyStore, StoredRecord } from '../store/port.js';
import { checked, type Handler, type HandlersFor } from './handlers.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Reads a multipart form: the part named `file` and the text fields. */
export async function readUpload(request: FastifyRequest): Promise<Upload> {
  if (!request.isMultipart()) {
    throw new ProblemError(
      'unsupported-media-type',
      'Send multipart/form-data with the document in a part named "file".',
    );
  }
  const fields: Record<string, string> = {};
  let file: Omit<Upload, 'fields'> | undefined;
  try {
    file = await readParts(request, fields);
  } catch (error) {
    // The multipart parser's own errors (truncated body, no boundary, bad part headers) are the client's.
    const e = error as { statusCode?: number; message?: string };
    if (error instanceof ProblemError || e.statusCode !== undefined) throw error;
    throw new ProblemError('invalid-body', `The multipart body is malformed: ${e.message ?? 'unreadable'}.`, {
      errors: [{ field: '', message: 'is not well-formed multipart/form-data' }],
    });
  }
  if (!file) {
    throw new ProblemError('invalid-body', 'The form has no part named "file".', {
      errors: [{ field: 'file', message: 'is required' }],
    });
  }
  return { ...file, fields };
}

async function readParts(request: FastifyRequest, fields: Record<string, string>) {
  let file: Omit<Upload, 'fields'> | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file' || file) {
        await part.toBuffer();
        throw new ProblemError('invalid-body', 'Send exactly one file, in the part named "file".', {
          errors: [{ field: part.fieldname, message: 'only one file part, named "file"' }],
        });
      }
      file = { bytes: await part.toBuffer(), filename: part.filename, declaredType: part.mimetype };
    } else {
      const value = String(part.value);
      if (value.includes('\u0000') || part.fieldname.includes('\u0000')) {
        throw nulRefused(part.fieldname.replace(/\u0000/g, '\\u0000'), 'invalid-body');
      }
      fields[part.fieldname] = value;
    }
  }
  return file;
}

/** SPEC §7: POST/PATCH client and contract, POST file. */
export function writeHandlers(
  ctx: CoreContext,
  clock: () => number,
  store: IdempotencyStore,
): HandlersFor<'clientCreate' | 'clientUpdate' | 'contractCreate' | 'contractUpdate' | 'fileUpload'> {
  // A create's body is checked under its Idempotency-Key (a replay, a key reused with another
  // body answer first), so in the handler; an update's at the edge, before the handler.
  const create =
    <T extends WritableType>(
      type: T,
      write: (
        ctx: CoreContext,
        consumerId: string,
        body: WriteBody<T, 'create'>,
        beforeCommit?: BeforeCommit,
      ) => Promise<StoredRecord>,
    ): Handler =>
    (request, reply) =>
      idempotent(
        store,
        request,
        reply,
        { status: 201, hashedBody: JSON.stringify(request.body), clock },
        (beforeCommit) => write(ctx, request.consumer.id, writeBodyOf(type, 'create', request.body), beforeCommit),
      );
  const updated = (reply: FastifyReply, record: StoredRecord) =>
    reply.type(JSON_TYPE).send(JSON.stringify(record.data));
  return {
    clientCreate: create('client', createClient),
    clientUpdate: checked({ body: (body) => writeBodyOf('client', 'patch', body) }, async (request, reply) =>
      updated(reply, await updateClient(ctx, request.consumer.id, request.body)),
    ),
    contractCreate: create('contract', createContract),
    contractUpdate: checked({ body: (body) => writeBodyOf('contract', 'patch', body) }, async (request, reply) =>
      updated(reply, await updateContract(ctx, request.consumer.id, request.body)),
    ),
    fileUpload: async (request, reply) => {
      const upload = await readUpload(request);
      const digest = createHash('sha256').update(upload.bytes).digest('hex');
      const hashedBody = JSON.stringify({
        ...upload.fields,
        filename: upload.filename,
        type: upload.declaredType,
        digest,
      });
      return idempotent(store, request, reply, { status: 201, hashedBody, clock }, (beforeCommit) =>
        uploadFile(ctx, request.consumer.id, upload, beforeCommit),
      );
    },
  };
}
