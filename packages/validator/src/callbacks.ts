import { createServer, type Server } from 'node:http';
import type { CallbackInbox, ReceivedCallback } from './scenarios/context.js';

export interface CallbackInboxServer extends CallbackInbox {
  close(): Promise<void>;
}

/** Largest callback body read (events are a few hundred bytes). */
const MAX_BODY = 64 * 1024;

/**
 * Listens for the provider's callbacks (SPEC §8) on `host:port`; the provider reaches it
 * at `publicUrl` (which may differ behind a tunnel). The first delivery of every
 * `webhook-id` is answered `503`, so that the provider has to retry it; later ones `204`.
 *
 * @example
 * const inbox = await startCallbackInbox({ host: '127.0.0.1', port: 9099, publicUrl: 'https://hooks.example.com' });
 * const report = await validate({ ...options, allowWrites: true, callbacks: inbox });
 * await inbox.close();
 */
export async function startCallbackInbox(options: {
  host: string;
  port: number;
  publicUrl: string;
}): Promise<CallbackInboxServer> {
  const received: ReceivedCallback[] = [];
  const waiters = new Set<() => void>();
  const seen = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
      const id = headers['webhook-id'] ?? '';
      const answered = req.method === 'POST' && !seen.has(id) ? 503 : 204;
      seen.add(id);
      received.push({ headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), answered });
      res.writeHead(answered).end();
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const publicUrl = options.publicUrl.replace(/:0(?=\/|$)/, `:${port}`);
  return {
    publicUrl,
    received,
    waitFor(match, count, timeoutMs) {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(received.filter(match));
        };
        const check = () => {
          if (received.filter(match).length >= count) done();
        };
        const timer = setTimeout(done, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
