import { createServer, type IncomingMessage, type Server } from 'node:http';
import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';

/**
 * A small HTTP proxy in front of the real server that gives it exactly one defect: a
 * mutant rewrites requests on their way in and answers on their way out. Requests under
 * `/__callbacks` are the provider's callbacks, relayed to the validator's inbox (so a
 * mutant can spoil them too).
 */

export interface ProxyRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface ProxyResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface MutantTools {
  /** A fresh valid token of the consumer `sub` (the proxy holds the test consumers' keys). */
  validToken(sub: string): Promise<string>;
  /** Sends a request to the real server. */
  forward(req: ProxyRequest): Promise<ProxyResponse>;
  /** Re-signs a callback for the consumer (after a mutant changed its id or body). */
  signCallback(req: ProxyRequest): ProxyRequest;
  /** Remembers things across requests (e.g. ids created). */
  memory: Map<string, unknown>;
}

export interface Mutant {
  readonly name: string;
  /** The one defect, in a sentence. */
  readonly defect: string;
  /** The rules that must fail — and no other rule may. */
  readonly catches: readonly string[];
  /**
   * Rules whose evidence the defect may hide, so that they may fail too, though need not:
   * whether they do depends on data the defect happens to cut away (e.g. which records were
   * cut off a truncated list). Each is named with the reason.
   */
  readonly incidental?: { readonly rules: readonly string[]; readonly why: string };
  /** Run with a callback inbox (slower: waits for the provider's status change and a retry). */
  readonly callbacks?: boolean;
  request?(req: ProxyRequest, tools: MutantTools): Promise<ProxyRequest | ProxyResponse> | ProxyRequest | ProxyResponse;
  response?(req: ProxyRequest, res: ProxyResponse, tools: MutantTools): Promise<ProxyResponse> | ProxyResponse;
  /** Rewrites a callback on its way to the inbox. */
  callback?(req: ProxyRequest, tools: MutantTools): ProxyRequest;
}

const HOP_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'content-encoding',
]);

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

async function send(base: string, req: ProxyRequest): Promise<ProxyResponse> {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP_HEADERS.has(k)));
  const res = await fetch(`${base}${req.path}`, {
    method: req.method,
    headers: { ...headers, 'accept-encoding': 'identity' },
    redirect: 'manual',
    ...(req.body.length && req.method !== 'GET' && req.method !== 'HEAD' ? { body: new Uint8Array(req.body) } : {}),
  });
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (!HOP_HEADERS.has(k)) out[k] = v;
  });
  return { status: res.status, headers: out, body: Buffer.from(await res.arrayBuffer()) };
}

export interface MutantProxy {
  url: string;
  /** Where the provider sends callbacks (relayed to `inboxUrl`). */
  callbackUrl: string;
  setMutant(mutant: Mutant | undefined, inboxUrl?: string): void;
  close(): Promise<void>;
}

export async function startMutantProxy(
  target: string,
  tools: Omit<MutantTools, 'forward' | 'memory'>,
): Promise<MutantProxy> {
  let mutant: Mutant | undefined;
  let inbox: string | undefined;
  const all: MutantTools = { ...tools, forward: (req) => send(target, req), memory: new Map() };
  const server: Server = createServer({ maxHeaderSize: 80 * 1024 }, async (incoming, outgoing) => {
    try {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(incoming.headers)) if (typeof v === 'string') headers[k] = v;
      let req: ProxyRequest = {
        method: incoming.method ?? 'GET',
        path: incoming.url ?? '/',
        headers,
        body: await readBody(incoming),
      };
      if (req.path.startsWith('/__callbacks')) {
        if (mutant?.callback) req = mutant.callback(req, all);
        const res = await send(inbox!, { ...req, path: req.path.slice('/__callbacks'.length) || '/' });
        outgoing.writeHead(res.status, res.headers).end(res.body);
        return;
      }
      const changed = mutant?.request ? await mutant.request(req, all) : req;
      let res = 'status' in changed ? changed : await send(target, changed);
      if (!('status' in changed) && mutant?.response) res = await mutant.response(changed, res, all);
      outgoing.writeHead(res.status, res.headers).end(res.body);
    } catch (error) {
      outgoing.writeHead(502, { 'content-type': 'text/plain' }).end(`mutant proxy: ${(error as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    callbackUrl: `${url}/__callbacks`,
    setMutant(next, inboxUrl) {
      mutant = next;
      inbox = inboxUrl;
      all.memory.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The bearer token of a request, decoded (no verification); `undefined` when there is none or it is no JWT. */
export function tokenOf(req: ProxyRequest): { header: ProtectedHeaderParameters; payload: JWTPayload } | undefined {
  const m = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  try {
    return { header: decodeProtectedHeader(m[1]!), payload: decodeJwt(m[1]!) };
  } catch {
    return undefined;
  }
}

/** The request with its token replaced by a valid one of the same consumer: the defect "accepts such tokens". */
export async function withValidToken(req: ProxyRequest, tools: MutantTools, sub = 'demo'): Promise<ProxyRequest> {
  return { ...req, headers: { ...req.headers, authorization: `Bearer ${await tools.validToken(sub)}` } };
}

export const json = (res: ProxyResponse): unknown => JSON.parse(res.body.toString('utf8'));

export const withJson = (
  res: ProxyResponse,
  value: unknown,
  contentType = res.headers['content-type'] ?? 'application/json',
): ProxyResponse => ({
  ...res,
  headers: { ...res.headers, 'content-type': contentType },
  body: Buffer.from(JSON.stringify(value)),
});

export const isJson = (res: ProxyResponse) => /json/.test(res.headers['content-type'] ?? '');

/** The query of a request path. */
export const queryOf = (req: ProxyRequest) => new URL(req.path, 'http://x').searchParams;
export const pathOf = (req: ProxyRequest) => new URL(req.path, 'http://x').pathname;

export const problem = (status: number, detail: string, extra: Record<string, string> = {}): ProxyResponse => ({
  status,
  headers: { 'content-type': 'application/problem+json', ...extra },
  body: Buffer.from(JSON.stringify({ type: 'about:blank', title: 'Error', status, detail })),
});
