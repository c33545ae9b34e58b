import {
  formatTimestamp,
  listOperationId,
  ProblemError,
  parseDownloadQuery,
  parseListQuery,
  parseUpdatedQuery,
  type Query,
  RECORD_TYPES,
  SYNC_UNTIL_HEADER,
  updatedOperationId,
} from '@finum-sync/spec';
import contentDisposition from 'content-disposition';
import rangeParser from 'range-parser';
import type { JsonText, Store } from '../store/port.js';
import type { Handlers } from './handlers.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Responses are sent as bytes: a string would be scanned once for Content-Length and once more to encode it. */
const bytesOf = (json: JsonText) => (typeof json === 'string' ? Buffer.from(json) : json);

/** SPEC §6: auth-status, T-list, T-id-list-updated, file-download. */
export function readHandlers(store: Store): Handlers {
  const handlers: Handlers = {
    authStatus: async (request, reply) =>
      reply.type(JSON_TYPE).send(
        JSON.stringify({
          authenticated: true,
          consumerId: request.consumer.id,
          tokenExpiresAt: formatTimestamp(request.consumer.tokenExpiresAtMs),
        }),
      ),

    fileDownload: async (request, reply) => {
      const id = parseDownloadQuery(request.query as Query);
      const file = await store.visibleRecord('file', request.consumer.id, id);
      if (!file) throw new ProblemError('not-found', `No file with id ${id}.`);
      if (file.deleted) throw new ProblemError('not-found', `File ${id} was deleted; its bytes are no longer served.`);
      const sha256 = String(file.data.sha256);
      const blob = await store.getBlob(sha256);
      if (!blob) {
        request.log.error({ fileId: id, sha256 }, 'file bytes missing from the blob store');
        throw new ProblemError('not-found', `The bytes of file ${id} are not available.`);
      }
      const etag = `"${sha256}"`;
      reply
        .header('ETag', etag)
        .header('Accept-Ranges', 'bytes')
        .header('Cache-Control', 'private, no-cache')
        .header('Content-Disposition', contentDisposition(String(file.data.name ?? id)))
        .header('X-Content-Type-Options', 'nosniff');
      const ifNoneMatch = request.headers['if-none-match'];
      if (ifNoneMatch?.split(',').some((t) => ['*', etag, `W/${etag}`].includes(t.trim()))) {
        return reply.code(304).send();
      }
      reply.type(String(file.data.mimeType ?? 'application/octet-stream'));
      const rangeHeader = request.headers.range;
      const ifRange = request.headers['if-range'];
      if (rangeHeader && (!ifRange || ifRange === etag)) {
        const ranges = rangeParser(blob.size, rangeHeader, { combine: true });
        if (ranges === -1) {
          throw new ProblemError(
            'range-not-satisfiable',
            `The range ${rangeHeader} lies outside the file of ${blob.size} bytes.`,
            {
              headers: { 'Content-Range': `bytes */${blob.size}` },
            },
          );
        }
        // One range is served; several (or a malformed header, -2) get the whole file.
        if (Array.isArray(ranges) && ranges.length === 1 && ranges.type === 'bytes') {
          const { start, end } = ranges[0]!;
          reply
            .code(206)
            .header('Content-Range', `bytes ${start}-${end}/${blob.size}`)
            .header('Content-Length', end - start + 1);
          return reply.send(blob.open({ start, end }));
        }
      }
      reply.header('Content-Length', blob.size);
      return reply.send(blob.size === 0 ? '' : blob.open());
    },
  };

  for (const type of RECORD_TYPES) {
    handlers[listOperationId(type)] = async (request, reply) => {
      const query = parseListQuery(type, request.query as Query);
      const consumer = request.consumer.id;
      const json =
        query.kind === 'ids'
          ? await store.recordsByIds(type, consumer, query.ids)
          : await store.recordsByField(type, consumer, query.filter.field, query.value);
      return reply.type(JSON_TYPE).send(bytesOf(json));
    };
    handlers[updatedOperationId(type)] = async (request, reply) => {
      const since = parseUpdatedQuery(request.query as Query, Date.now());
      const { idsJson, untilMs } = await store.changedIds(type, request.consumer.id, since);
      return reply.header(SYNC_UNTIL_HEADER, formatTimestamp(untilMs)).type(JSON_TYPE).send(bytesOf(idsJson));
    };
  }
  return handlers;
}
