import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * SPEC §7 (issue 11, item 1): a request must arrive whole within REQUEST_TIMEOUT; a
 * connection that stalls is closed, with a 408 problem where an answer can still be sent.
 * Past MAX_CONNECTIONS a new connection is closed at once. Real sockets, a 1 s timeout.
 */

const dialects = inject('dialects');

/** Everything a socket received until it closed (bounded: a socket never closed fails the test). */
function untilClosed(socket: Socket, boundMs = 15_000): Promise<string> {
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
  });
  return new Promise((resolve, reject) => {
    const bound = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the stalled connection open for ${boundMs} ms; received: ${received}`));
    }, boundMs);
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(bound);
      resolve(received);
    });
  });
}

const open = (url: string) =>
  new Promise<Socket>((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });

describe.each(dialects)('%s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { REQUEST_TIMEOUT: '1', MAX_CONNECTIONS: '8' } });
  });
  afterAll(() => server?.close());

  it('a body that never completes (public onboarding form): 408 problem, connection closed', async () => {
    const socket = await open(server.url);
    const closed = untilClosed(socket);
    socket.write(
      'POST /onboarding/api/applications HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"company":',
    );
    const received = await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(received).toMatch(/content-type: application\/problem\+json/i);
    expect(received).toContain('REQUEST_TIMEOUT');
  });

  it('headers that never end: 408 problem, connection closed', async () => {
    const socket = await open(server.url);
    const closed = untilClosed(socket);
    socket.write('GET /v1/auth-status HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect(await closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('an authenticated upload that stalls is closed too', async () => {
    const consumer = await server.addConsumer(`stall-${dialect}`);
    const socket = await open(server.url);
    const closed = untilClosed(socket);
    socket.write(
      `POST /v1/file HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${await consumer.token()}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n`,
    );
    expect(await closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('past MAX_CONNECTIONS a new connection is closed at once; the server still answers afterwards', async () => {
    const held = await Promise.all(Array.from({ length: 8 }, () => open(server.url)));
    // Each held connection sends a request line without end, so that it counts as open.
    for (const s of held) s.write('GET /healthz HTTP/1.1\r\n');
    const extra = await open(server.url);
    const received = await untilClosed(extra, 5_000);
    expect(received).toBe('');
    for (const s of held) s.destroy();
    await Promise.all(held.map((s) => (s.closed ? undefined : new Promise((r) => s.once('close', r)))));
    // Node counts a connection as gone once its close is processed: retry until it is.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = await fetch(`${server.url}/healthz`)
        .then((r) => r.status)
        .catch(() => 0);
    }
    expect(status).toBe(200);
  });
});
