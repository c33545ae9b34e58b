import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  formatTimestamp,
  listOperationId,
  ProblemError,
  parseDownloadQuery,
  parseListQuery,
  parseUpdatedQuery,
  type RecordType,
  SYNC_UNTIL_HEADER,
  updatedOperationId,
} from '@finum-sync/spec';
import contentDisposition from 'content-disposition';
import rangeParser from 'range-parser';
import type { BlobStore, JsonText, RecordStore } from '../store/port.js';
import { checked, type HandlersFor, perRecordType } from './handlers.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Responses are sent as bytes: a string would be scanned once for Content-Length and once more to encode it. */
const bytesOf = (json: JsonText) => (typeof json === 'string' ? Buffer.from(json) : json);

/**
 * Where reads hold the event loop (SQLite), an id list is read in chunks of about this many
 * bytes, with a turn of the event loop in between, so that 1,000 records of up to 64 KiB
 * (64 MB) never hold the process for long.
 */
const LIST_CHUNK_BYTES = 2 * 1024 * 1024;
/** Ids of the first chunk (and of every chunk, at least): 2 MB of records of 64 KiB. */
const LIST_CHUNK_MIN_IDS = 32;
/** A response up to this size is sent as one buffer; a larger one as the stream of its parts. */
const LIST_ONE_BUFFER_BYTES = 1024 * 1024;

/**
 * The visible records among `ids` as JSON arrays, to be joined into one, for a store that does
 * not give them in pieces (`recordsByIdsInPieces`, PostgreSQL's). Where reads do not hold the
 * event loop (the store says so), in one read. Otherwise (SQLite) in chunks: the first is
 * small; the next ones are sized by the bytes per id
 * seen so far, so that a list of small records takes a few queries and one of large records
 * many short ones.
 */
async function listByIds(
  store: RecordStore,
  type: RecordType,
  consumer: string,
  ids: readonly string[],
): Promise<Buffer[]> {
  if (store.readsHoldTheEventLoop === false) return [bytesOf(await store.recordsByIds(type, consumer, ids))];
  const chunks: Buffer[] = [];
  let bytes = 0;
  let done = 0;
  let size = LIST_CHUNK_MIN_IDS;
  while (done < ids.length) {
    if (done > 0) {
      // At most four times the last chunk: ids that match nothing cannot make the next one huge.
      const perId = Math.max(1, bytes / done);
      size = Math.max(LIST_CHUNK_MIN_IDS, Math.min(4 * size, Math.floor(LIST_CHUNK_BYTES / perId)));
      await nextTurn();
    }
    const json = bytesOf(await store.recordsByIds(type, consumer, ids.slice(done, done + size)));
    done += size;
    bytes += json.length;
    chunks.push(json);
  }
  return chunks;
}

/**
 * A response body the store gives in pieces (PostgreSQL's list), to be sent as they come
 * (chunked, no Content-Length), once the first is there: a failure until then (the database
 * unreachable, the statement timed out) is thrown here and answered as any other; one after
 * it leaves the response unfinished (Fastify destroys the connection), so that a client
 * sees a broken body, never a shorter list. A client that goes away stops the reading.
 */
async function piecesUnderWay(pieces: AsyncIterable<Uint8Array>): Promise<Readable> {
  const iterator = pieces[Symbol.asyncIterator]();
  const first = await iterator.next();
  async function* all() {
    try {
      for (let next = first; !next.done; next = await iterator.next()) yield next.value;
    } finally {
      await iterator.return?.();
    }
  }
  return Readable.from(all(), { objectMode: false });
}

/** JSON arrays (of records) as one JSON array: `[`, their elements separated by commas, `]`. */
function jsonArray(chunks: Buffer[]): { body: Buffer | Readable; length: number } {
  // One chunk (a short list, or a store that reads in one go) is the answer as it is.
  if (chunks.length === 1) return { body: chunks[0]!, length: chunks[0]!.length };
  const pieces: Buffer[] = [OPEN];
  for (const chunk of chunks) {
    // Each chunk is a JSON array: its elements go into the one answer, without the brackets.
    if (chunk.length <= 2) continue;
    if (pieces.length > 1) pieces.push(COMMA);
    pieces.push(chunk.subarray(1, chunk.length - 1));
  }
  pieces.push(CLOSE);
  const length = pieces.reduce((sum, p) => sum + p.length, 0);
  return { body: length <= LIST_ONE_BUFFER_BYTES ? Buffer.concat(pieces, length) : Readable.from(pieces), length };
}
const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** The read operations of SPEC §6. */
type ReadOperationId =
  | 'authStatus'
  | 'fileDownload'
  | ReturnType<typeof listOperationId<RecordType>>
  | ReturnType<typeof updatedOperationId<RecordType>>;

/** SPEC §6: auth-status, T-list, T-id-list-updated, file-download. */
export function readHandlers(store: RecordStore & BlobStore): HandlersFor<ReadOperationId> {
  return {
    // Not async: answered in the turn the request arrived in, with no promise (the consumer's
    // cheapest call, the one clients poll; its cost beside /healthz is in BENCHMARKS.md).
    authStatus: (request, reply) => {
      // The object JSON.stringify would write, in its key order, without building the object.
      const { id, tokenExpiresAtMs } = request.consumer;
      reply
        .type(JSON_TYPE)
        .send(
          `{"authenticated":true,"consumerId":${JSON.stringify(id)},"tokenExpiresAt":"${formatTimestamp(tokenExpiresAtMs)}"}`,
        );
    },

    fileDownload: checked({ query: parseDownloadQuery }, async (request, reply) => {
      const id = request.query;
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
    }),

    ...perRecordType(listOperationId, (type) =>
      checked({ query: (query) => parseListQuery(type, query) }, async (request, reply) => {
        const query = request.query;
        const consumer = request.consumer.id;
        if (query.kind === 'ids') {
          if (store.recordsByIdsInPieces) {
            const pieces = await piecesUnderWay(store.recordsByIdsInPieces(type, consumer, query.ids));
            return reply.type(JSON_TYPE).send(pieces);
          }
          const { body, length } = jsonArray(await listByIds(store, type, consumer, query.ids));
          return reply.type(JSON_TYPE).header('Content-Length', length).send(body);
        }
        const json = await store.recordsByField(type, consumer, query.filter.field, query.value);
        return reply.type(JSON_TYPE).send(bytesOf(json));
      }),
    ),
    ...perRecordType(updatedOperationId, (type) =>
      checked({ query: (query) => parseUpdatedQuery(query, Date.now()) }, async (request, reply) => {
        const since = request.query;
        const { idsJson, untilMs } = await store.changedIds(type, request.consumer.id, since);
        return reply.header(SYNC_UNTIL_HEADER, formatTimestamp(untilMs)).type(JSON_TYPE).send(bytesOf(idsJson));
      }),
    ),
  };
}
