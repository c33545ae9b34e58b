import type { Socket } from 'node:net';
import {
  codeForStatus,
  ONBOARDING_OPERATIONS,
  OPERATIONS,
  type Problem,
  ProblemError,
  problem,
} from '@finum-sync/spec';
import { ADMIN_OPERATIONS } from '@finum-sync/spec/admin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SURFACE_PREFIXES } from './surfaces.js';

export const PROBLEM_JSON = 'application/problem+json';

/** Renders a problem: the one place every error response is written. */
export function sendProblem(reply: FastifyReply, body: Problem, headers: Record<string, string> = {}): FastifyReply {
  // A value Node refuses (control or non-Latin-1 characters, e.g. echoed request text)
  // would turn the problem into the framework's own error answer.
  for (const [name, value] of Object.entries(headers)) reply.header(name, value.replace(/[^\t\x20-\x7e]/g, '?'));
  return reply.code(body.status).type(PROBLEM_JSON).send(JSON.stringify(body));
}

/** Fastify's own 4xx errors, by code, as catalog problems with a detail a consumer can act on. */
function frameworkProblem(error: FastifyError, limits: ProblemLimits): Problem | undefined {
  const maxBody = limits.maxBody;
  switch (error.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return problem(
        'payload-too-large',
        `The file exceeds the limit of ${limits.maxFileSize} bytes (MAX_FILE_SIZE).`,
        {
          limit: limits.maxFileSize,
        },
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem('unsupported-media-type', `Content-Type is not accepted here; send application/json.`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem('payload-too-large', `The body exceeds the limit of ${maxBody} bytes.`, { limit: maxBody });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem('malformed-json', 'The body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem('malformed-json', `The body is not valid JSON: ${error.message}`);
    default:
      break;
  }
  if (error instanceof SyntaxError || error.name === 'SyntaxError') {
    return problem('malformed-json', `The body is not valid JSON: ${error.message}`);
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return problem(codeForStatus(error.statusCode), error.message);
  }
  return undefined;
}

/** Errors that mean the database is out of reach or overloaded, not that our code is wrong. */
function databaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'SQLITE_BUSY', 'SQLITE_LOCKED'];
  // PostgreSQL: class 08 (connection exception), 57P01–57P03 (shutdown, cannot connect now), 53300 (too many connections).
  if (e?.code && (codes.includes(e.code) || /^08|^57P0[123]$|^53300$/.test(e.code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error/i.test(
    e?.message ?? '',
  );
}

/** Every documented path (as a pattern for its `{params}`) with its methods, for 405 answers. */
const knownPaths: Array<{ pattern: RegExp; methods: string[] }> = [];
for (const op of [...OPERATIONS, ...ADMIN_OPERATIONS, ...ONBOARDING_OPERATIONS]) {
  const pattern = new RegExp(`^${op.path.replace(/\{\w+\}/g, '[^/]+')}$`);
  const known = knownPaths.find((k) => k.pattern.source === pattern.source);
  if (known) known.methods.push(op.method);
  else knownPaths.push({ pattern, methods: [op.method] });
}

/**
 * Makes every error problem+json: thrown {@link ProblemError}s, framework errors (bad
 * JSON, body too large, wrong media type), unknown routes (404, or 405 with `Allow` on a
 * known path), HTTP parse errors on the socket, and anything unexpected (500, logged with
 * the request id, never a stack trace in the response).
 */
interface ProblemLimits {
  maxBody: number;
  maxFileSize: number;
}

export function registerProblemHandling(app: FastifyInstance, options: ProblemLimits) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ProblemError) {
      return sendProblem(reply, error.toProblem(), error.headers);
    }
    const known = frameworkProblem(error, options);
    if (known) return sendProblem(reply, known);
    if (databaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      return sendProblem(reply, problem('unavailable', 'The database does not answer; retry shortly.'), {
        'Retry-After': '5',
      });
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendProblem(
      reply,
      problem('internal-error', `An unexpected error occurred; it was logged with request id ${request.id}.`, {
        requestId: request.id,
      }),
    );
  });

  app.setNotFoundHandler(notFound);
}

/**
 * Fastify's router errors, answered before any route or hook runs: a path segment longer
 * than the router's limit (414) and a URL with broken percent-encoding (400).
 */
export function routerErrorHandler(error: FastifyError, _request: unknown, reply: FastifyReply) {
  const status = error.statusCode ?? 400;
  const detail =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'A path segment is too long (ids are at most 64 characters).'
      : error.code === 'FST_ERR_BAD_URL'
        ? 'The URL is not valid (broken percent-encoding).'
        : 'The request could not be routed.';
  return sendProblem(reply, problem(codeForStatus(status), detail));
}

/** Answers HTTP parse errors (oversized headers, garbage) with problem+json on the raw socket. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket) {
  // A response already under way on this socket (e.g. an early 401 while the body still
  // came): nothing can be added to it.
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const body =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? problem('headers-too-large', 'The request line and headers exceed 80 KiB; send fewer ids per call.')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? problem(
            'request-timeout',
            'The request did not arrive whole within REQUEST_TIMEOUT; the connection is closed.',
          )
        : problem('bad-request', 'The request is not valid HTTP.');
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${body.status} ${body.title}\r\nContent-Type: ${PROBLEM_JSON}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/** The surfaces whose every answer has `Cache-Control: no-store` (not the interactive docs). */
const NO_STORE_SURFACES = new RegExp(
  `^(?:${SURFACE_PREFIXES.consumer}/(?!docs)|${SURFACE_PREFIXES.backOffice}/|${SURFACE_PREFIXES.onboarding}/)`,
);

/**
 * The answer to a path no route serves: 405 with `Allow` for a documented path's other
 * methods, 404 otherwise. The root's not-found handler, and the one of each API surface
 * (so that its own hooks — CORS, `Cache-Control` — run for its unknown paths too).
 */
export function notFound(request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0]!.replace(/\/+$/, '') || '/';
  // `//v1/…`: the router collapses repeated slashes, Fastify's not-found router does not,
  // so such a path reaches the root's handler, not its surface's: no-store all the same.
  if (NO_STORE_SURFACES.test(path.replace(/\/{2,}/g, '/'))) reply.header('Cache-Control', 'no-store');
  const methods = knownPaths.find((k) => k.pattern.test(path))?.methods;
  if (methods && !methods.includes(request.method)) {
    return sendProblem(
      reply,
      problem('method-not-allowed', `${request.method} is not allowed on ${path}; use ${methods.join(', ')}.`),
      {
        Allow: methods.join(', '),
      },
    );
  }
  return sendProblem(
    reply,
    problem('not-found', `No endpoint ${request.method} ${path.slice(0, 200)}. The API is described at /v1/docs/.`),
  );
}
