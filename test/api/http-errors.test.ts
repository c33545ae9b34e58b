import { request } from 'node:http';
import { describe, expect, inject, it } from 'vitest';
import { expectProblem } from '../helpers/problem.js';
import { fetchParsed, startTestServer } from '../helpers/server.js';
import { useTestServer } from '../helpers/suite.js';

/** SPEC §2: every error is problem+json, its `status` the HTTP status; no HTML, no stack trace. */

const dialects = inject('dialects');

describe.each(dialects)('%s', (dialect) => {
  const suite = useTestServer(dialect);

  it('an unknown route is a 404 problem, with or without a token', async () => {
    expectProblem(await suite.server.get('/v1/contracts'), 404, /\/v1\/contracts/);
    expectProblem(await suite.server.get('/v1/contracts', suite.consumer), 404);
    expectProblem(await suite.server.get('/nothing-here.html'), 404);
  });

  it.each([
    ['POST', '/v1/client-list'],
    ['DELETE', '/v1/contract-id-list-updated'],
    ['PUT', '/v1/auth-status'],
    ['PATCH', '/v1/file-download'],
  ])('%s on %s is a 405 problem with Allow: GET', async (method, path) => {
    const res = await fetchParsed(`${suite.server.url}${path}`, { method, headers: await suite.consumer.headers() });
    expectProblem(res, 405, new RegExp(method));
    expect(res.headers.get('allow')).toBe('GET');
  });

  it('a request line over 80 KiB is a 4xx problem at once, not a hang', async () => {
    const res = await fetchParsed(`${suite.server.url}/v1/client-list?id-list=${'a,'.repeat(42 * 1024)}`, {
      headers: await suite.consumer.headers(),
      signal: AbortSignal.timeout(10_000),
    });
    expectProblem(res, res.status);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('a request that is not HTTP is a 400 problem', async () => {
    const { status, headers, text } = await new Promise<{ status: number; headers: Headers; text: string }>(
      (resolve, reject) => {
        const req = request(`${suite.server.url}/v1/auth-status`, {
          method: 'GET',
          headers: { 'content-length': 'nope' },
        });
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode!, headers: new Headers(res.headers as Record<string, string>), text }),
          );
        });
        req.on('error', reject);
        req.end();
      },
    );
    expectProblem({ status, headers, text, body: JSON.parse(text) }, 400);
  });

  it('an unexpected failure (the database gone) is a 500 problem without a stack trace', async () => {
    const broken = await startTestServer({ dialect });
    try {
      const c = await broken.addConsumer('victim');
      const headers = await c.headers();
      await broken.store.close();
      const res = await broken.get('/v1/client-list?id-list=c1', undefined, headers);
      expectProblem(res, 500, /request id/);
      expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
    } finally {
      await broken.app.close();
      await broken.db.drop();
    }
  });
});
