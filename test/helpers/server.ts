import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, type SigningAlgorithm, signToken } from '@finum-sync/client/node';
import {
  addConsumer,
  buildApp,
  type Config,
  cliActor,
  composeRecord,
  loadConfig,
  openStore,
  type Store,
  type StoredRecord,
  seedDemo,
} from '@finum-sync/server/internal';
import type { RecordType } from '@finum-sync/spec';
import type { FastifyInstance } from 'fastify';
import { API_DOCUMENTS } from './openapi-documents.js';
import { createPgDatabase } from './postgres.js';
import { startPrismProxy } from './prism.js';

export type DialectName = 'sqlite' | 'postgres';

/** The audience (PUBLIC_URL) test servers run with. */
export const TEST_AUDIENCE = 'https://syncapi.test';

export interface TestDatabase {
  dialect: DialectName;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Environment for a server or CLI process on this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** A database of its own: SQLite in a temp dir, or a fresh PostgreSQL database. */
export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'finum-test-'));
  const pg = dialect === 'postgres' ? await createPgDatabase() : undefined;
  return {
    dialect,
    dataDir,
    databaseUrl: pg?.url,
    env: { DATA_DIR: dataDir, ...(pg ? { DATABASE_URL: pg.url } : {}) },
    async drop() {
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestConsumer {
  id: string;
  alg: SigningAlgorithm;
  privateKey: string;
  publicKey: string;
  kid: string;
  callbackSecret: string;
  /** A fresh token (claims overridable). */
  token(options?: { payload?: Record<string, unknown>; ttlSeconds?: number; kid?: string }): Promise<string>;
  /** Authorization headers with a fresh token. */
  headers(): Promise<Record<string, string>>;
}

export interface TestServer {
  url: string;
  app: FastifyInstance;
  store: Store;
  config: Config;
  db: TestDatabase;
  addConsumer(id: string, alg?: SigningAlgorithm): Promise<TestConsumer>;
  /** Stores records directly (provider-side data), as one transaction. */
  putRecords(records: StoredRecord[]): Promise<void>;
  /** GET with a consumer's fresh token; returns status, headers and parsed body. */
  get(path: string, consumer?: TestConsumer, headers?: Record<string, string>): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience
  body: any;
  text: string;
}

export async function fetchParsed(url: string, init?: RequestInit): Promise<TestResponse> {
  const r = await fetch(url, init);
  const text = await r.text();
  let body: unknown = text;
  if (/json/.test(r.headers.get('content-type') ?? '')) body = JSON.parse(text);
  return { status: r.status, headers: r.headers, body, text };
}

/**
 * Starts a server on its own database, listening on a real socket (127.0.0.1, random
 * port). `env` overrides configuration (as environment variables would).
 */
export async function startTestServer(
  options: {
    dialect?: DialectName;
    env?: Record<string, string>;
    demo?: boolean;
    db?: TestDatabase;
    /** The server's clock (epoch ms): a fake one for long runs in little time. */
    clock?: () => number;
  } = {},
): Promise<TestServer> {
  const db = options.db ?? (await createTestDatabase(options.dialect ?? 'sqlite'));
  const config = loadConfig({
    ...db.env,
    PUBLIC_URL: TEST_AUDIENCE,
    DEMO: options.demo ? 'on' : 'off',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ALLOW_PRIVATE_CALLBACKS: 'true',
    // Suites send many refused tokens from one address on purpose; test/security tests the limit.
    AUTH_FAILURE_LIMIT: '0',
    ...options.env,
  });
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  if (config.demo) await seedDemo(store);
  const app = await buildApp({ config, store, ...(options.clock ? { clock: options.clock } : {}) });
  const direct = await app.listen({ port: 0, host: '127.0.0.1' });
  // VIA_PRISM=1: every request of the suite goes through Prism's validation proxy, and
  // closing the server fails on what violates the documents (test/helpers/prism.ts).
  const prism = process.env.VIA_PRISM ? await startPrismProxy(direct, API_DOCUMENTS) : undefined;
  const url = prism?.url ?? direct;

  const server: TestServer = {
    url,
    app,
    store,
    config,
    db,
    addConsumer: (id, alg) => createTestConsumer(store, config.publicUrl, id, alg),
    putRecords: (records) =>
      store.transaction(async (tx) => {
        await tx.putRecords(records);
      }),
    async get(path, consumer, headers = {}) {
      return fetchParsed(`${url}${path}`, { headers: { ...(consumer ? await consumer.headers() : {}), ...headers } });
    },
    async close() {
      const violations = await prism?.violations();
      if (prism && process.env.PRISM_REPORT) {
        const { all, unchecked } = await prism.reports();
        appendFileSync(process.env.PRISM_REPORT, `${JSON.stringify({ all, unchecked })}\n`);
      }
      await prism?.stop();
      await app.close();
      await store.close();
      if (!options.db) await db.drop();
      if (violations?.length) {
        throw new Error(`Prism: the traffic violates the documents:\n${JSON.stringify(violations, null, 2)}`);
      }
    },
  };
  return server;
}

/** Registers a consumer with a fresh key pair directly in a store (as `consumer add` would). */
export async function createTestConsumer(
  store: Store,
  audience: string,
  id: string,
  alg: SigningAlgorithm = 'ES256',
): Promise<TestConsumer> {
  const pair = generateKeyPair(alg);
  const creds = await addConsumer(store, audience, { id, publicKeyPem: pair.publicKey, alg, by: cliActor() });
  const consumer: TestConsumer = {
    id,
    alg,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    kid: creds.kid,
    callbackSecret: creds.callbackSecret,
    token: (o = {}) =>
      signToken({
        payload: { ...creds.payload, ...o.payload },
        privateKey: pair.privateKey,
        alg,
        ...(o.ttlSeconds ? { ttlSeconds: o.ttlSeconds } : {}),
        ...(o.kid ? { kid: o.kid } : {}),
      }),
    headers: async () => ({ authorization: `Bearer ${await consumer.token()}` }),
  };
  return consumer;
}

let counter = 0;

/** A record owned by `ownerId` with plausible fields, for tests that need data. */
export function testRecord(
  type: RecordType,
  ownerId: string,
  fields: Record<string, unknown> = {},
  meta: Partial<{ id: string; updatedMs: number; version: number; deleted: boolean }> = {},
): StoredRecord {
  counter++;
  const now = meta.updatedMs ?? Date.now();
  const defaults: Record<RecordType, Record<string, unknown>> = {
    client: { type: 'person', lastName: `Test${counter}`, externalId: `EXT-${counter}` },
    product: { name: `Product ${counter}`, category: 'other', active: true, requiredFields: [] },
    user: { lastName: `User${counter}`, role: 'advisor', active: true },
    contract: { holderId: 'cl-x', productId: 'p-x', status: 320, statusChangedAt: new Date(now).toISOString() },
    file: { name: `f${counter}.pdf`, mimeType: 'application/pdf', size: 0, sha256: '0'.repeat(64), category: 'other' },
  };
  return composeRecord(
    type,
    {
      id: meta.id ?? `${type.slice(0, 2)}-${ownerId}-${counter}`,
      ownerId,
      version: meta.version ?? 1,
      createdMs: now,
      updatedMs: now,
      deleted: meta.deleted ?? false,
    },
    { ...defaults[type], ...fields },
  );
}
