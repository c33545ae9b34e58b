import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy to a real server (PostgreSQL) that a test can cut and restore, to show
 * what happens when the database becomes unreachable and comes back. The target port may
 * be given as a function, read at each connection: the proxy's own address can then be handed
 * out before the server behind it listens.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Bytes the server may still send to the clients (all connections together); unlimited when undefined. */
  private budget: number | undefined;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number | (() => number),
  ) {}

  async start(): Promise<this> {
    this.server = createServer((client) => {
      const target = typeof this.targetPort === 'function' ? this.targetPort() : this.targetPort;
      const upstream = createConnection(target, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (this.budget === undefined) {
          if (!client.write(chunk)) {
            upstream.pause();
            client.once('drain', () => upstream.resume());
          }
          return;
        }
        // Past the budget the rest is dropped and the connection stalls: the client waits for
        // an answer that never comes (as behind a network that stopped delivering).
        if (this.budget > 0) client.write(chunk.subarray(0, this.budget));
        this.budget = Math.max(0, this.budget - chunk.length);
      });
      upstream.on('end', () => client.end());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** From now on the server gets only `bytes` more through to its clients, then nothing. */
  limitFromServer(bytes: number): void {
    this.budget = bytes;
  }

  /** Drops every connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.budget = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
  }
}
