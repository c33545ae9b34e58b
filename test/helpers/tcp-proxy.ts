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
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** Drops every connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
  }
}
