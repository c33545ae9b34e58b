import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeNow } from './http-server.js';

/** What the proxy does with one request. */
export type Fault =
  /** Forward and answer normally. */
  | { kind: 'pass' }
  /** Forward, let the server answer completely (it has committed), then cut the client's connection. */
  | { kind: 'drop-after-commit' }
  /** Answer this status itself (the server never sees the request). */
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  /** Forward, and hold the answer back this long before sending it. */
  | { kind: 'delay'; ms: number }
  /** Never answer (until the client gives up or the proxy stops). */
  | { kind: 'hang' };

export interface SeenRequest {
  /** Index among all requests the proxy received. */
  index: number;
  /** `performance.now()` when the request's head arrived. */
  receivedAt: number;
  /** `performance.now()` when the proxy finished sending its answer (if it sent one). */
  answeredAt?: number;
  /** `performance.now()` when the connection or exchange closed (answered, or given up by the client). */
  closedAt?: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  fault: Fault['kind'];
}

/**
 * An HTTP proxy in front of a real server that injects faults per request (`decide`), and
 * records every request it received with its timestamps, headers and body bytes.
 */
export class FaultProxy {
  readonly requests: SeenRequest[] = [];
  private server: Server | undefined;
  private readonly target: URL;

  constructor(
    target: string,
    public decide: (request: SeenRequest) => Fault = () => ({ kind: 'pass' }),
  ) {
    this.target = new URL(target);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const seen: SeenRequest = {
        index: this.requests.length,
        receivedAt: performance.now(),
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.alloc(0),
        fault: 'pass',
      };
      this.requests.push(seen);
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.body = Buffer.concat(chunks);
        const fault = this.decide(seen);
        seen.fault = fault.kind;
        res.on('finish', () => {
          seen.answeredAt = performance.now();
        });
        res.on('close', () => {
          seen.closedAt = performance.now();
        });
        if (fault.kind === 'hang') return;
        if (fault.kind === 'status') {
          res
            .writeHead(fault.status, { 'content-type': 'text/plain', ...fault.headers })
            .end(`injected ${fault.status}`);
          return;
        }
        const upstream = request(
          {
            host: this.target.hostname,
            port: this.target.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: this.target.host },
          },
          (answer) => {
            if (fault.kind === 'drop-after-commit') {
              answer.resume();
              answer.on('end', () => req.socket.destroy());
              return;
            }
            const relay = () => {
              res.writeHead(answer.statusCode!, answer.headers);
              answer.pipe(res);
            };
            if (fault.kind === 'delay') setTimeout(relay, fault.ms);
            else relay();
          },
        );
        upstream.on('error', () => res.destroy());
        upstream.end(seen.body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** Requests whose path starts with `prefix`. */
  to(prefix: string): SeenRequest[] {
    return this.requests.filter((r) => r.url.startsWith(prefix));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeNow(server);
  }
}
