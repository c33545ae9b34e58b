import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { problemViolations, stackTraceIn } from '@finum-sync/validator';

/**
 * Stoplight Prism's validation proxy in front of a server, for any test traffic.
 *
 * Prism reads request and response bodies it does not parse as JSON as UTF-8 text and
 * forwards that text, so a binary upload reaches the server altered and a binary download
 * reaches the client altered. The proxy here therefore mirrors: each request goes to the
 * server byte for byte and its answer back to the client unchanged; then the same
 * request goes through `prism proxy`, whose upstream replays the recorded answer. Prism
 * validates both against the document and reports what violates it in `sl-violations`.
 */
export interface PrismViolation {
  method: string;
  path: string;
  /** The server's status for the request. */
  status: number;
  /** `request…` or `response…`, then the place (`body`, `query`, `header`, …). */
  location: string[];
  severity: string;
  message: string;
  /** The request's `Content-Type`. */
  requestType: string;
}

/**
 * Requests Prism cannot take at all, so that it never validates them (listed by
 * `reports().unchecked`): a body with a JSON content type that is not JSON — Prism answers
 * 400 `invalid_json` itself. The server's answers to them are checked by the fuzzer.
 */
export const PRISM_UNCHECKABLE = /Prism answered 400 itself: \{"error":\{"code":"invalid_json"/;

/**
 * What Prism 5 cannot model in our documents, so that its reports there are no verdict:
 * - an `application/x-ndjson` request body (the back office import): Prism validates the
 *   whole body as one value against the schema of a line. The fuzzer sends valid and
 *   broken NDJSON lines and checks every answer instead.
 */
export const PRISM_LIMITS: ReadonlyArray<{ why: string; applies: (v: PrismViolation) => boolean }> = [
  {
    why: 'NDJSON request bodies are validated as one JSON value',
    applies: (v) => /^application\/x-ndjson\b/.test(v.requestType) && v.location.join('.').startsWith('request.body'),
  },
];

export interface PrismProxy {
  /** Send the traffic here. */
  url: string;
  /**
   * What violates the document, once every request sent so far was validated: response
   * errors, and request errors of requests the server accepted (2xx). A refused request
   * may well break the document — that is why it was refused.
   */
  violations(): Promise<PrismViolation[]>;
  /** Everything Prism reported (warnings, refused requests' violations) and what it could not check. */
  reports(): Promise<{ all: PrismViolation[]; unchecked: string[] }>;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
const PRISM_BIN = require.resolve('@stoplight/prism-cli/dist/index.js');
/** Requests carry up to 64 KiB of request line (SPEC §6); Node's default is 16 KiB. */
const MAX_HEADER_SIZE = 128 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te']);
const MIRROR_HEADER = 'x-prism-mirror';

interface Recorded {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

const readBody = (stream: NodeJS.ReadableStream) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });

const pairs = (raw: string[]) => {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
};

const endToEnd = (headers: Array<[string, string]>) => headers.filter(([n]) => !HOP_BY_HOP.has(n.toLowerCase()));

function send(
  url: URL,
  method: string,
  target: string,
  headers: Array<[string, string]>,
  body: Buffer,
): Promise<{ status: number; headers: Array<[string, string]>; lower: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const flat: Array<[string, string]> = [['Host', url.host]];
    flat.push(...endToEnd(headers).filter(([n]) => !['host', 'content-length'].includes(n.toLowerCase())));
    if (body.length > 0 || !['GET', 'HEAD'].includes(method)) flat.push(['Content-Length', String(body.length)]);
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: target,
        headers: flat.flat(),
        maxHeaderSize: MAX_HEADER_SIZE,
      },
      (res) => {
        readBody(res).then(
          (b) => resolve({ status: res.statusCode ?? 0, headers: pairs(res.rawHeaders), lower: res.headers, body: b }),
          reject,
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function listen(server: Server): Promise<URL> {
  return new Promise((done) => {
    server.listen(0, '127.0.0.1', () => done(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
  });
}

/** Spawns `prism proxy` on a free port; resolves once it logs that it listens (bounded). */
async function spawnPrism(documentPath: string, upstream: URL): Promise<{ url: URL; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      `--max-http-header-size=${MAX_HEADER_SIZE}`,
      PRISM_BIN,
      'proxy',
      documentPath,
      upstream.origin,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--errors',
      'false',
      '--cors',
      'false',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`prism did not start within 30 s:\n${log.slice(-2000)}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const m = /Prism is listening on (http:\/\/[\d.]+:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(new URL(m[1]!));
      }
      if (log.length > 100_000) log = log.slice(-10_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`prism exited (${code}) before it listened:\n${log.slice(-2000)}`));
    });
  });
  // Keep draining its log (one line per request) so that it never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  return { url, child };
}

/**
 * What Prism does not judge, the validator's response checks do (one set of checks for
 * the validator, the fuzzer and this harness): a /v1 error answer is an RFC 9457 problem
 * without a stack trace.
 */
function problemChecks(
  method: string,
  path: string,
  headers: Array<[string, string]>,
  answer: Recorded,
): PrismViolation[] {
  if (!path.startsWith('/v1/') || answer.status < 400) return [];
  const lower = Object.fromEntries(answer.headers.map(([n, v]) => [n.toLowerCase(), v]));
  const text = answer.body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {}
  const trace = stackTraceIn(text);
  const requestType = headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? '';
  return [
    ...problemViolations({ status: answer.status, headers: lower, json }),
    ...(trace ? [`shows '${trace}'`] : []),
  ].map((message) => ({
    method,
    path,
    status: answer.status,
    requestType,
    location: ['response', 'problem'],
    severity: 'Error',
    message: `validator: ${message}`,
  }));
}

/**
 * Starts Prism's validation proxy for `upstreamUrl` with an OpenAPI document, or with
 * several: `{ '/admin/api/': admin.json, '/': openapi.json }` picks by the longest prefix.
 */
export async function startPrismProxy(
  upstreamUrl: string,
  documentPath: string | Record<string, string>,
): Promise<PrismProxy> {
  const upstream = new URL(upstreamUrl);
  const documents = typeof documentPath === 'string' ? { '/': documentPath } : documentPath;
  const recorded = new Map<string, Recorded>();
  let counter = 0;

  // Prism's upstream: answers with the recorded answer named by the mirror header.
  const replayer = createServer({ maxHeaderSize: MAX_HEADER_SIZE }, (req, res) => {
    const id = String(req.headers[MIRROR_HEADER] ?? '');
    req.resume();
    const answer = recorded.get(id);
    if (!answer) {
      res.writeHead(599).end();
      return;
    }
    recorded.delete(id);
    const headers = endToEnd(answer.headers).filter(([n]) => n.toLowerCase() !== 'content-length');
    if (answer.status !== 304 && answer.status !== 204) headers.push(['Content-Length', String(answer.body.length)]);
    res.writeHead(answer.status, headers.flat());
    res.end(answer.body);
  });
  const replayerUrl = await listen(replayer);
  const prisms: Array<{ prefix: string; url: URL; child: ChildProcess }> = [];
  try {
    for (const [prefix, doc] of Object.entries(documents)) {
      prisms.push({ prefix, ...(await spawnPrism(resolvePath(doc), replayerUrl)) });
    }
  } catch (error) {
    for (const p of prisms) p.child.kill();
    replayer.close();
    throw error;
  }
  prisms.sort((a, b) => b.prefix.length - a.prefix.length);

  const all: PrismViolation[] = [];
  const unchecked: string[] = [];
  const pending = new Set<Promise<void>>();

  async function validate(
    method: string,
    target: string,
    headers: Array<[string, string]>,
    body: Buffer,
    answer: Recorded,
  ) {
    const path = target.split('?')[0]!;
    all.push(...problemChecks(method, path, headers, answer));
    const prism = prisms.find((p) => path.startsWith(p.prefix)) ?? prisms.at(-1)!;
    const id = String(++counter);
    recorded.set(id, answer);
    try {
      const res = await send(prism.url, method, target, [...headers, [MIRROR_HEADER, id]], body);
      const header = res.lower['sl-violations'];
      if (typeof header === 'string') {
        const list = JSON.parse(header.replace(/^Too many violations! /, '')) as Array<
          Omit<PrismViolation, 'method' | 'path' | 'status' | 'requestType'>
        >;
        const requestType = headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? '';
        for (const v of list) all.push({ method, path, status: answer.status, requestType, ...v });
      }
      if (recorded.has(id)) {
        unchecked.push(`${method} ${path}: Prism answered ${res.status} itself: ${res.body.toString().slice(0, 300)}`);
      }
    } catch (error) {
      unchecked.push(`${method} ${path}: ${(error as Error).message}`);
    } finally {
      recorded.delete(id);
    }
  }

  const front = createServer({ maxHeaderSize: MAX_HEADER_SIZE }, async (req, res) => {
    try {
      const body = await readBody(req);
      const method = req.method ?? 'GET';
      const target = req.url ?? '/';
      const headers = pairs(req.rawHeaders);
      const answer = await send(upstream, method, target, headers, body);
      const out = endToEnd(answer.headers).filter(([n]) => n.toLowerCase() !== 'content-length');
      if (answer.status !== 304 && answer.status !== 204 && method !== 'HEAD') {
        out.push(['Content-Length', String(answer.body.length)]);
      } else {
        const length = answer.headers.find(([n]) => n.toLowerCase() === 'content-length');
        if (length) out.push(length);
      }
      res.writeHead(answer.status, out.flat());
      res.end(answer.body);
      const job = validate(method, target, headers, body, {
        status: answer.status,
        headers: answer.headers,
        body: answer.body,
      });
      pending.add(job);
      void job.finally(() => pending.delete(job));
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`prism mirror: ${(error as Error).message}`);
    }
  });
  // What is not HTTP never reaches Prism: the bytes go to the server as they came, and its answer back.
  front.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    const packet = error.rawPacket;
    if (!packet || !socket.writable) {
      socket.destroy();
      return;
    }
    const raw = connect(Number(upstream.port), upstream.hostname, () => raw.write(packet));
    raw.pipe(socket);
    raw.on('error', () => socket.destroy());
    socket.on('error', () => raw.destroy());
  });
  const url = await listen(front);

  const settle = async () => {
    while (pending.size > 0) await Promise.all([...pending]);
  };
  const counted = (v: PrismViolation) =>
    v.severity === 'Error' &&
    (v.location[0] === 'response' || (v.status >= 200 && v.status < 300)) &&
    !PRISM_LIMITS.some((limit) => limit.applies(v));

  return {
    url: url.origin,
    async violations() {
      await settle();
      return all.filter(counted);
    },
    async reports() {
      await settle();
      return { all: [...all], unchecked: [...unchecked] };
    },
    async stop() {
      await settle();
      const closed = new Promise<void>((done) => front.close(() => done()));
      front.closeAllConnections();
      await closed;
      for (const p of prisms) {
        const exited = new Promise((resolve) => p.child.once('exit', resolve));
        p.child.kill();
        await exited;
      }
      const replayerClosed = new Promise<void>((done) => replayer.close(() => done()));
      replayer.closeAllConnections();
      await replayerClosed;
    },
  };
}
