import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** What the proxy does with a request: pass it on, answer in its place, or hold it forever. */
export type ProxyBehaviour =
  | { kind: 'pass' }
  | { kind: 'answer'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'hang' };

/**
 * An HTTP proxy in front of a real server that counts requests by path and can answer in
 * the provider's place (429 with Retry-After, 500) or hold requests, per request, as the
 * test decides. The server behind it is real; only the proxy's own answers are made up.
 */
export class HttpProxy {
  private server: Server | undefined;
  private readonly held = new Set<ServerResponse>();
  private heldOne: (() => void) | undefined;
  /** Resolves when the proxy holds a request (behaviour `hang`). */
  readonly holding = new Promise<void>((resolve) => {
    this.heldOne = resolve;
  });
  url = '';
  /** Every request seen: path and query, and the request target as sent (`/v1/…?…`). */
  readonly requests: { path: string; query: URLSearchParams; target: string }[] = [];
  /** Decides per request; passes everything by default. */
  behaviour: (path: string, query: URLSearchParams) => ProxyBehaviour = () => ({ kind: 'pass' });

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  /** Requests whose path ends with `suffix`. */
  count(suffix: string): number {
    return this.requests.filter((r) => r.path.endsWith(suffix)).length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://proxy');
    this.requests.push({ path: url.pathname, query: url.searchParams, target: req.url ?? '/' });
    const behaviour = this.behaviour(url.pathname, url.searchParams);
    if (behaviour.kind === 'hang') {
      this.held.add(res);
      this.heldOne?.();
      return;
    }
    if (behaviour.kind === 'answer') {
      res.writeHead(behaviour.status, { 'content-type': 'application/problem+json', ...behaviour.headers });
      res.end(
        behaviour.body ??
          JSON.stringify({
            type: 'about:blank',
            title: 'Proxy answer',
            status: behaviour.status,
            detail: 'from the test proxy',
          }),
      );
      return;
    }
    try {
      const upstream = await fetch(`${this.target}${req.url}`, {
        method: req.method ?? 'GET',
        headers: Object.fromEntries(
          Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && k !== 'host' && k !== 'connection'),
        ) as Record<string, string>,
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      const headers: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (k !== 'content-encoding' && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
      });
      headers['content-length'] = String(body.length);
      res.writeHead(upstream.status, headers);
      res.end(body);
    } catch {
      res.destroy();
    }
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
