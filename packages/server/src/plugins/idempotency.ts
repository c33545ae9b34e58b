import { createHash } from 'node:crypto';
import {
  IDEMPOTENCY_KEY,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  ProblemError,
  parseIdempotencyKey,
} from '@finum-sync/spec';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BeforeCommit } from '../core/context.js';
import type { IdempotencyStore, StoredRecord } from '../store/port.js';

/** SPEC §7: keys are kept 24 h. */
export const IDEMPOTENCY_TTL_MS = IDEMPOTENCY_KEY.keptForMs;
/** A first request still "running" after this long died; its key may be taken over. */
const LEASE_MS = 60_000;

export const requestHash = (request: FastifyRequest, body: string) =>
  createHash('sha256').update(`${request.method} ${request.routeOptions.url}\n${body}`).digest('hex');

/**
 * The request's `Idempotency-Key`, if any: one header of 1–255 characters. Sent twice, it
 * is refused (400) — Node would join the two values into one key that neither means.
 */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const raw = request.raw.rawHeaders;
  const name = IDEMPOTENCY_KEY_HEADER.toLowerCase();
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) count++;
  if (count > 1) {
    throw new ProblemError('invalid-parameter', `${IDEMPOTENCY_KEY_HEADER} must be one header, not ${count}.`, {
      errors: [{ field: IDEMPOTENCY_KEY_HEADER, message: 'is sent more than once' }],
    });
  }
  return parseIdempotencyKey(request.headers);
}

/**
 * Runs a POST under its `Idempotency-Key` (SPEC §7). The first request with a key claims
 * it and stores its response in the transaction of its write, so a replay can never
 * disagree with what was written; the same key and body replays that response; another
 * body is a 422; while the first still runs, a 409. A failed request releases its key.
 */
export async function idempotent(
  store: IdempotencyStore,
  request: FastifyRequest,
  reply: FastifyReply,
  options: { status: number; hashedBody: string; clock: () => number },
  write: (beforeCommit: BeforeCommit | undefined) => Promise<StoredRecord>,
): Promise<FastifyReply> {
  const send = (status: number, body: string) => reply.code(status).type('application/json; charset=utf-8').send(body);
  const header = idempotencyKeyOf(request);
  if (header === undefined) {
    const record = await write(undefined);
    return send(options.status, JSON.stringify(record.data));
  }
  const consumerId = request.consumer.id;
  const hash = requestHash(request, options.hashedBody);
  const claim = await store.claimIdempotencyKey(consumerId, header, hash, {
    nowMs: options.clock(),
    leaseMs: LEASE_MS,
    ttlMs: IDEMPOTENCY_TTL_MS,
  });
  switch (claim.kind) {
    case 'replay':
      reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
      return send(claim.status, claim.body);
    case 'mismatch':
      throw new ProblemError(
        'idempotency-key-reused',
        'This Idempotency-Key was used with another request body within 24 h.',
      );
    case 'running':
      throw new ProblemError(
        'idempotency-in-progress',
        'A request with this Idempotency-Key is still running; retry shortly.',
        {
          headers: { 'Retry-After': '1' },
        },
      );
    default:
      break;
  }
  try {
    const record = await write((tx, written) =>
      tx.completeIdempotencyKey(consumerId, header, { status: options.status, body: JSON.stringify(written.data) }),
    );
    return send(options.status, JSON.stringify(record.data));
  } catch (error) {
    await store.releaseIdempotencyKey(consumerId, header);
    throw error;
  }
}
