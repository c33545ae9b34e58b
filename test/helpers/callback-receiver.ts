import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallbackEvent } from '@finum-sync/spec';
import { closeNow } from './http-server.js';

export interface ReceivedCallback {
  headers: IncomingHttpHeaders;
  body: string;
  json: CallbackEvent;
}

/**
 * A real HTTP server that receives callbacks: `next()` resolves with the next one (no
 * polling); `status` and `responseHeaders` set what it answers with; `stop()`/`start()` take it down
 * and bring it back on the same port.
 */
export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  status = 204;
  /** Headers it answers with (e.g. `location` for a redirect). */
  responseHeaders: Record<string, string> = {};
  /** Do not answer (until `release()` or `stop()`): a receiver that times out, or a slow one. */
  hang = false;
  private readonly held: ServerResponse[] = [];
  private server: Server | undefined;
  private waiters: Array<(c: ReceivedCallback) => void> = [];
  private port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const callback = { headers: req.headers, body, json: JSON.parse(body) };
        this.received.push(callback);
        if (this.hang) this.held.push(res);
        else res.writeHead(this.status, this.responseHeaders).end();
        const waiter = this.waiters.shift();
        waiter?.(callback);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Answers the requests held back while `hang` was set, and answers at once from now on. */
  release(): void {
    this.hang = false;
    for (const res of this.held.splice(0)) res.writeHead(this.status, this.responseHeaders).end();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/callbacks`;
  }

  /** The next callback to arrive (or one already received and not yet taken). */
  next(timeoutMs = 30_000): Promise<ReceivedCallback> {
    const taken = this.taken;
    if (this.received.length > taken) {
      this.taken++;
      return Promise.resolve(this.received[taken]!);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no callback within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((c) => {
        clearTimeout(timer);
        this.taken++;
        resolve(c);
      });
    });
  }
  private taken = 0;

  /** Forgets what arrived so far: `next()` waits for what comes after. */
  skipReceived(): void {
    this.taken = this.received.length;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeNow(server);
  }
}
