import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { consumerApi, expectProblem, fileForm, seedBasics } from '../helpers/api.js';
import { uniquePdf } from '../helpers/documents.js';
import { startTestServer, type TestConsumer, type TestResponse, type TestServer } from '../helpers/server.js';

/**
 * Issue 11, item 13: duplicate `Idempotency-Key` headers are a 400 (not one merged key),
 * JSON bodies that are not UTF-8 are a 400, and bidirectional control characters (a
 * right-to-left override) are removed from file names.
 */

/** A request with headers sent exactly as given (an array: the header line repeated), which fetch would merge. */
function rawRequest(
  url: string,
  method: string,
  headers: Record<string, string | string[]>,
  body: Buffer,
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers))
          if (typeof value === 'string') responseHeaders.set(name, value);
        resolve({ status: res.statusCode!, headers: responseHeaders, body: JSON.parse(text), text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe.each(inject('dialects'))('%s', (dialect) => {
  let server: TestServer;
  let consumer: TestConsumer;
  let clientId: string;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ONBOARDING_RATE_LIMIT: '0' } });
    consumer = await server.addConsumer('hygiene');
    ({ clientId } = await seedBasics(server, consumer));
  });
  afterAll(() => server?.close());

  it.each(['/v1/client', '/onboarding/api/applications'])(
    'two Idempotency-Key headers on POST %s: 400 naming the header',
    async (path) => {
      const res = await rawRequest(
        `${server.url}${path}`,
        'POST',
        {
          authorization: `Bearer ${await consumer.token()}`,
          'content-type': 'application/json',
          'idempotency-key': ['one', 'two'],
        },
        Buffer.from(JSON.stringify({ type: 'person', lastName: 'Twice' })),
      );
      expectProblem(res, 400, 'invalid-parameter', ['Idempotency-Key']);
      expect(res.body.errors[0].message).toMatch(/more than once/);
    },
  );

  it.each(['/v1/client', '/onboarding/api/applications'])(
    'a JSON body that is not UTF-8 on POST %s: 400',
    async (path) => {
      const latin1 = Buffer.concat([
        Buffer.from('{"type":"person","lastName":"M'),
        Buffer.from([0xfc]),
        Buffer.from('ller"}'),
      ]);
      const res = await rawRequest(
        `${server.url}${path}`,
        'POST',
        { authorization: `Bearer ${await consumer.token()}`, 'content-type': 'application/json' },
        latin1,
      );
      expectProblem(res, 400, 'malformed-json');
      expect(res.body.detail).toMatch(/UTF-8/);
    },
  );

  it('a right-to-left override and other bidi controls are removed from a file name', async () => {
    const form = fileForm(
      { bytes: uniquePdf(), type: 'application/pdf', name: 'invoice\u202Efdp.exe\u2066\u200F' },
      { clientId, category: 'other' },
    );
    const res = await consumerApi(server, consumer).send('POST', '/v1/file', { body: form });
    expect(res.status, res.text).toBe(201);
    expect(res.body.name).toBe('invoicefdp.exe');
  });
});
