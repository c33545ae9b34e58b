import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, spawnServer } from '../../../test/helpers/serve-process.js';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/server.js';

/**
 * `npm start` (`finum-sync serve`) says where everything is once it listens, and a demo
 * server without ADMIN_TOKEN still gets a back office, with a token of its run (issue 11, item 17).
 */
describe('the banner of finum-sync serve (sqlite)', () => {
  let db: TestDatabase;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    await server?.kill('SIGTERM');
    await db.drop();
  });

  const signIn = (url: string, token: string) =>
    fetch(`${url}/admin/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });

  it('DEMO=on without ADMIN_TOKEN: the pages, the demo consumer, and a development admin token that signs in', async () => {
    server = await spawnServer({ ...db.env, DEMO: 'on', PUBLIC_URL: 'http://localhost:18555' });
    await server.waitForOutput(/Stop with Ctrl\+C/);
    const output = server.output();
    for (const page of ['/', '/v1/docs/', '/onboarding/', '/admin/', '/demo/credentials']) {
      expect(output).toContain(`http://localhost:18555${page}`);
    }
    expect(output).toMatch(/Demo\s+consumer 'demo'/);
    const token = /development admin token[^\n]*\n\s+(dev-[\w-]+)/.exec(output)?.[1];
    expect(token).toBeDefined();
    // Printed once: in the banner, never in a log line.
    expect(output.split(token!).length - 1).toBe(1);
    expect((await signIn(server.url, token!)).status).toBe(200);
    expect((await signIn(server.url, 'dev-not-the-token-of-this-run')).status).toBe(401);
    const adminPage = await (await fetch(`${server.url}/admin/`)).text();
    expect(adminPage).toContain('id="sign-in-form"');
    await server.kill('SIGTERM');
    server = undefined;
  });

  it('DEMO=off without ADMIN_TOKEN: the back office is off, and /admin/ says so instead of a sign-in form', async () => {
    server = await spawnServer({ ...db.env, DEMO: 'off' });
    await server.waitForOutput(/Stop with Ctrl\+C/);
    expect(server.output()).toMatch(/Back office\s+off: set ADMIN_TOKEN/);
    expect(server.output()).toMatch(/Demo\s+off/);
    expect(server.output()).not.toContain('dev-');
    const adminPage = await (await fetch(`${server.url}/admin/`)).text();
    expect(adminPage).toContain('The back office is off on this server');
    expect(adminPage).not.toContain('sign-in-form');
    expect((await signIn(server.url, 'whatever-long-enough')).status).toBe(403);
  });

  it('logs one JSON object a line when not on a terminal, human-readable lines with LOG_FORMAT=pretty (as on a terminal)', async () => {
    await server?.kill('SIGTERM');
    server = await spawnServer({ ...db.env });
    await server.waitForOutput(/Stop with Ctrl\+C/);
    const listening = server
      .output()
      .split('\n')
      .find((line) => line.includes('Server listening at'))!;
    expect(JSON.parse(listening)).toMatchObject({ level: 30, msg: expect.stringMatching(/^Server listening at/) });
    await server.kill('SIGTERM');

    server = await spawnServer({ ...db.env, LOG_FORMAT: 'pretty' });
    await server.waitForOutput(/Stop with Ctrl\+C/);
    const pretty = server
      .output()
      .split('\n')
      .find((line) => line.includes('Server listening at'))!;
    expect(pretty).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.*: .*Server listening at http/);
    expect(server.output()).not.toMatch(/^\{"level"/m);
  });
});
