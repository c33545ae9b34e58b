import { type ClientOptions, createClient, type FinumClient } from '@finum-sync/client';
import {
  fetchParsed,
  TEST_AUDIENCE,
  type TestConsumer,
  type TestResponse,
  type TestServer,
  testRecord,
} from './server.js';

/** The bearer token test servers run the back office with (`ADMIN_TOKEN`). */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface ApiCaller {
  /** JSON request (a string body is sent as is, for malformed JSON); returns the parsed response. */
  json(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  patch(path: string, body: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  get(path: string, headers?: Record<string, string>): Promise<TestResponse>;
  /** A raw request (multipart forms, other content types). */
  send(
    method: string,
    path: string,
    init?: { body?: BodyInit; headers?: Record<string, string> },
  ): Promise<TestResponse>;
}

function caller(baseUrl: () => string, auth: () => Promise<Record<string, string>>): ApiCaller {
  const send: ApiCaller['send'] = async (method, path, init = {}) =>
    fetchParsed(`${baseUrl()}${path}`, {
      method,
      headers: { ...(await auth()), ...init.headers },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
  const json: ApiCaller['json'] = (method, path, body, headers = {}) =>
    send(method, path, {
      ...(body !== undefined
        ? {
            body: typeof body === 'string' ? body : JSON.stringify(body),
            headers: { 'content-type': 'application/json', ...headers },
          }
        : { headers }),
    });
  return {
    json,
    send,
    post: (path, body, headers) => json('POST', path, body, headers),
    patch: (path, body, headers) => json('PATCH', path, body, headers),
    get: (path, headers) => send('GET', path, { ...(headers ? { headers } : {}) }),
  };
}

/**
 * Calls a server as a consumer, with a fresh token each time (signed by the SDK's `signToken`).
 * Raw on purpose, not the SDK: these tests look at the answers themselves (status, headers,
 * problem bodies) and send what the SDK never would (malformed JSON, missing or reused
 * Idempotency-Keys, odd content types), and a retry would hide the answer under test.
 */
export function consumerApi(server: { url: string }, consumer: TestConsumer): ApiCaller {
  return caller(
    () => server.url,
    () => consumer.headers(),
  );
}

/**
 * The SDK as the consumer, for tests that need data or state rather than a look at raw
 * answers (those use {@link consumerApi}).
 */
export function consumerSdk(
  server: { url: string },
  consumer: TestConsumer,
  options: Partial<ClientOptions> = {},
): FinumClient {
  return createClient({
    baseUrl: server.url,
    payload: { sub: consumer.id, aud: TEST_AUDIENCE },
    privateKey: consumer.privateKey,
    ...options,
  });
}

/** Calls a server's back office (`/admin/api`) with the admin token. */
export function adminApi(server: { url: string }, token = TEST_ADMIN_TOKEN): ApiCaller {
  return caller(
    () => server.url,
    async () => ({ authorization: `Bearer ${token}` }),
  );
}

/** A multipart form with a file part named `file` and text fields. */
export function fileForm(
  file: { bytes: Uint8Array<ArrayBuffer>; type?: string; name?: string } | undefined,
  fields: Record<string, string> = {},
  fileField = 'file',
): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append(fileField, new Blob([file.bytes], { type: file.type ?? '' }), file.name ?? 'document');
  return form;
}

/** Provider-side fixtures: a product anyone may use, and a client of the consumer. */
export async function seedBasics(
  server: Pick<TestServer, 'url' | 'putRecords'>,
  consumer: TestConsumer,
  product: Record<string, unknown> = {},
): Promise<{ productId: string; clientId: string }> {
  const productId = `p-${consumer.id}-${Math.random().toString(36).slice(2, 8)}`;
  await server.putRecords([testRecord('product', '', { requiredFields: [], ...product }, { id: productId })]);
  const client = await consumerSdk(server, consumer).clients.create({ type: 'person', lastName: 'Basic' });
  return { productId, clientId: client.id };
}

export { expectProblem } from './problem.js';
