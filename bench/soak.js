#!/usr/bin/env node
// `npm run soak`: a mixed read / sync / write load on the real server over HTTP for minutes,
// counting every unexpected answer as an error and watching the server's memory (see
// BENCHMARKS.md, "Load and soak"). Usage: node bench/soak.js --help
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@finum-sync/client';
import { DIALECTS } from './lib/dialects.js';
import { benchOptions, fmt } from './lib/options.js';
import { cli, machine, ROOT, rssBytes, startServer } from './lib/server-process.js';

const RESULTS = join(ROOT, 'bench/results');
/** The JWT audience the soak server runs with and the seeded consumers' payloads name. */
const AUDIENCE = 'https://soak.finum-sync.test';
/** Ids per by-ids read, and at most per sync fetch (the SPEC's 1,000). */
const READ_IDS = 50;
const FETCH_MAX = 1000;
/**
 * How often the load picks up the SDK's current token (cached: signed anew only when it is due,
 * two minutes before its 15-minute lifetime ends), so that any duration works.
 */
const TOKEN_REFRESH_MS = 60_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** Memory is bounded when the mean RSS of the last third is at most this much above the middle third's. */
const BOUNDED_GROWTH = 0.1;

const USAGE = `Usage: node bench/soak.js [options]   (npm run soak -- [options])

Seeds a fresh data set (a new SQLite directory under bench/results/, or a PostgreSQL database
finum_soak dropped and created again), starts the server as a separate process, and drives a
mixed load over HTTP: about 70 % reads, 20 % delta sync, 10 % writes. Every answer other than
the expected 200/201, and every socket error or timeout, is an error. Exits 1 on any error or
when the server's memory keeps growing.

Options:
  --dialect sqlite|postgres  Database (default sqlite).
  --database-url <url>       PostgreSQL server to create the soak database on
                             (default $TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test).
  --duration <s>             Seconds of measured load (default 120).
  --warmup <s>               Seconds of the same load before it, not measured (default 15).
  --connections <n>          Concurrent connections, each a client in a loop (default 10).
  --contracts <N>            Contracts seeded in all (default 100000).
  --consumers <K>            Consumers seeded (default 20); connection i acts as consumer i mod K.
  --sample-interval <s>      Seconds between memory samples (default 10).
  --keep                     Keep the data directory / database after a run without errors.
  -h, --help                 This help.`;

function options() {
  const { values, int, dialect, adminUrl } = benchOptions(USAGE, {
    duration: { type: 'string', default: '120' },
    warmup: { type: 'string', default: '15' },
    connections: { type: 'string', default: '10' },
    contracts: { type: 'string', default: '100000' },
    consumers: { type: 'string', default: '20' },
    'sample-interval': { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
  });
  return {
    dialect,
    adminUrl,
    durationS: int('duration'),
    warmupS: int('warmup', 0),
    connections: int('connections'),
    contracts: int('contracts'),
    consumers: int('consumers'),
    sampleS: int('sample-interval'),
    keep: values.keep,
  };
}

const mib = (bytes) => `${fmt(bytes / 1024 ** 2, 1)} MiB`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = (list) => list[Math.floor(Math.random() * list.length)];

/** Latencies of one kind of request, in a growing Float64Array (a long soak holds millions). */
class Samples {
  values = new Float64Array(1024);
  n = 0;
  push(ms) {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.n * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = ms;
  }
  /** p50, p99 and max (nearest rank, as lib/measure.js). */
  stats() {
    const sorted = this.values.slice(0, this.n).sort();
    const at = (p) => sorted[Math.min(this.n - 1, Math.max(0, Math.ceil((p / 100) * this.n) - 1))] ?? 0;
    return { p50: at(50), p99: at(99), max: this.n ? sorted[this.n - 1] : 0 };
  }
}

/** The load's bookkeeping: per kind of request, its latencies (measured phase) and errors (any phase). */
class Recorder {
  kinds = new Map();
  errors = [];
  errorCount = 0;
  measuring = false;
  measureStart = 0;
  kind(name, category) {
    let k = this.kinds.get(name);
    if (!k) {
      k = { name, category, samples: new Samples(), errors: 0 };
      this.kinds.set(name, k);
    }
    return k;
  }
  ok(kind, startedAt, ms) {
    if (this.measuring && startedAt >= this.measureStart) kind.samples.push(ms);
  }
  fail(kind, detail) {
    kind.errors++;
    this.errorCount++;
    if (this.errors.length < 50) this.errors.push({ kind: kind.name, at: new Date().toISOString(), ...detail });
    if (this.errorCount <= 5) console.error(`error: ${kind.name}: ${JSON.stringify(detail).slice(0, 500)}`);
  }
}

/** One HTTP exchange on the load's keep-alive agent: the status, headers and whole body. */
function exchange(agent, base, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: base.hostname, port: base.port, path, method, agent, headers }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    });
    request.setTimeout(REQUEST_TIMEOUT_MS, () =>
      request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)),
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** A multipart/form-data body with text fields and one file part named "file". */
function multipart(fields, file) {
  const boundary = `----soak${randomUUID()}`;
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  parts.push(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\n` +
      `Content-Type: ${file.type}\r\n\r\n`,
  );
  const body = Buffer.concat([Buffer.from(parts.join('')), file.bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * One connection's client: a consumer's token and ids, the records it created itself (the only
 * ones it writes, so that connections never race each other for a version), and its sync
 * watermarks. Every request checks its status (and, where the client needs it, the body).
 */
class Client {
  n = 0;
  clients = [];
  contracts = [];
  /** Own contracts still at 100 or 120: the ones a status change applies to. */
  open = [];
  files = [];
  lastCreate;
  constructor({ index, consumer, base, agent, recorder, runId, products }) {
    Object.assign(this, { index, consumer, base, agent, recorder, runId, products });
    this.since = { ...consumer.since };
  }

  /** Sends a request as `kind` and checks it; resolves to the answer, or undefined after an error. */
  async call(kindName, category, method, path, { json, form, headers = {}, expect = 200, check } = {}) {
    const kind = this.recorder.kind(kindName, category);
    const h = { authorization: this.consumer.authorization, ...headers };
    let body;
    if (json !== undefined) {
      body = Buffer.from(JSON.stringify(json));
      h['content-type'] = 'application/json';
    } else if (form) {
      body = form.body;
      h['content-type'] = form.contentType;
    }
    if (body) h['content-length'] = String(body.length);
    const startedAt = performance.now();
    let answer;
    try {
      answer = await exchange(this.agent, this.base, method, path, h, body);
    } catch (error) {
      this.recorder.fail(kind, { method, path: path.slice(0, 200), error: String(error.message ?? error) });
      return undefined;
    }
    const ms = performance.now() - startedAt;
    if (answer.status !== expect) {
      this.recorder.fail(kind, {
        method,
        path: path.slice(0, 200),
        status: answer.status,
        body: answer.body.toString('utf8').slice(0, 1000),
      });
      return undefined;
    }
    if (check) {
      const problem = check(answer);
      if (problem) {
        this.recorder.fail(kind, { method, path: path.slice(0, 200), status: answer.status, problem });
        return undefined;
      }
    }
    this.recorder.ok(kind, startedAt, ms);
    return answer;
  }

  idList(ids) {
    const out = [];
    for (let i = 0; i < READ_IDS; i++) out.push(pick(ids));
    return out.join(',');
  }

  // Reads.
  authStatus() {
    return this.call('auth-status', 'read', 'GET', '/v1/auth-status');
  }
  contractsByIds() {
    return this.call(
      `contract-list, ${READ_IDS} ids`,
      'read',
      'GET',
      `/v1/contract-list?id-list=${this.idList(this.consumer.contractIds)}`,
    );
  }
  clientsByIds() {
    return this.call(
      `client-list, ${READ_IDS} ids`,
      'read',
      'GET',
      `/v1/client-list?id-list=${this.idList(this.consumer.clientIds)}`,
    );
  }
  contractsOfHolder() {
    return this.call(
      'contract-list?holder-id',
      'read',
      'GET',
      `/v1/contract-list?holder-id=${pick(this.consumer.clientIds)}`,
    );
  }
  clientsByExternalId() {
    return this.call(
      'client-list?external-id',
      'read',
      'GET',
      `/v1/client-list?external-id=${encodeURIComponent(pick(this.consumer.externalIds))}`,
      { check: (a) => (a.body.length > 2 ? undefined : 'no client with a seeded externalId') },
    );
  }
  downloadFile() {
    const file = pick(this.files);
    return this.call('file-download', 'read', 'GET', `/v1/file-download?id=${file.id}`, {
      check: (a) => (a.body.length === file.size ? undefined : `${a.body.length} bytes, uploaded ${file.size}`),
    });
  }

  // Sync: the delta since the last X-Sync-Until, then the changed records (as a consumer syncs).
  async delta(type) {
    const answer = await this.call(
      `${type}-id-list-updated?since=watermark`,
      'sync',
      'GET',
      `/v1/${type}-id-list-updated?since=${encodeURIComponent(this.since[type])}`,
      { check: (a) => (a.headers['x-sync-until'] ? undefined : 'no X-Sync-Until header') },
    );
    if (!answer) return;
    this.since[type] = answer.headers['x-sync-until'];
    const ids = JSON.parse(answer.body.toString('utf8'));
    if (ids.length === 0) return;
    const changed = ids.slice(0, FETCH_MAX);
    await this.call(`${type}-list of the changed ids`, 'sync', 'GET', `/v1/${type}-list?id-list=${changed.join(',')}`, {
      check: (a) => {
        const got = JSON.parse(a.body.toString('utf8')).length;
        return got === new Set(changed).size ? undefined : `${got} records for ${changed.length} changed ids`;
      },
    });
  }
  contractDelta() {
    return this.delta('contract');
  }
  clientDelta() {
    return this.delta('client');
  }
  lastWeek() {
    const since = new Date(Date.now() - 7 * 86_400_000).toISOString();
    return this.call(
      'contract-id-list-updated, since 7 days',
      'sync',
      'GET',
      `/v1/contract-id-list-updated?since=${since}`,
    );
  }
  allContractIds() {
    return this.call('contract-id-list-updated, all ids', 'sync', 'GET', '/v1/contract-id-list-updated', {
      check: (a) => (a.body.length > this.consumer.contractIds.length * 10 ? undefined : `only ${a.body.length} bytes`),
    });
  }

  // Writes: creates with an Idempotency-Key, PATCHes with the version read last (SPEC §7).
  async createClient() {
    const n = ++this.n;
    const json = {
      type: 'person',
      salutation: 'Frau',
      firstName: 'Soak',
      lastName: `Load ${this.index}-${n}`,
      email: `soak.${this.index}.${n}@mail.example`,
      postalCode: '8010',
      city: 'Graz',
      country: 'AT',
      externalId: `SOAK-${this.index}-${n}`,
    };
    const key = `${this.runId}-${this.index}-cl-${n}`;
    const answer = await this.call('POST client', 'write', 'POST', '/v1/client', {
      json,
      headers: { 'idempotency-key': key },
      expect: 201,
    });
    if (!answer) return;
    const { id, version } = JSON.parse(answer.body.toString('utf8'));
    this.clients.push({ id, version });
    this.lastCreate = { path: '/v1/client', json, key, id };
  }
  async updateClient() {
    const client = pick(this.clients);
    const answer = await this.call('PATCH client (version)', 'write', 'PATCH', '/v1/client', {
      json: { id: client.id, version: client.version, phone: `+43 316 ${++this.n}`, city: pick(['Graz', 'Linz']) },
    });
    this.afterPatch(client, answer, this.clients);
  }
  async createContract() {
    const n = ++this.n;
    const json = {
      holderId: pick(this.clients).id,
      productId: pick(this.products),
      status: 100,
      startDate: '2027-01-01',
      premium: '49.90',
      currency: 'EUR',
      paymentFrequency: 'monthly',
      sumInsured: '150000.00',
      externalId: `SOAK-C-${this.index}-${n}`,
    };
    const key = `${this.runId}-${this.index}-ct-${n}`;
    const answer = await this.call('POST contract', 'write', 'POST', '/v1/contract', {
      json,
      headers: { 'idempotency-key': key },
      expect: 201,
    });
    if (!answer) return;
    const { id, version, status } = JSON.parse(answer.body.toString('utf8'));
    const contract = { id, version, status };
    this.contracts.push(contract);
    this.open.push(contract);
    this.lastCreate = { path: '/v1/contract', json, key, id };
  }
  async updateContract() {
    const contract = pick(this.contracts);
    const answer = await this.call('PATCH contract (version)', 'write', 'PATCH', '/v1/contract', {
      // A new premium every time: a PATCH that changes nothing leaves the version as it is.
      json: { id: contract.id, version: contract.version, premium: `${100 + ++this.n}.90` },
    });
    this.afterPatch(contract, answer, this.contracts);
  }
  /** 100 → 120 (proposal requested; the product's required fields are there) → 190 (withdrawn). */
  async changeStatus() {
    if (this.open.length === 0) return this.createContract();
    const i = Math.floor(Math.random() * this.open.length);
    const contract = this.open[i];
    const to = contract.status === 100 ? 120 : 190;
    // The open list forgets it first: a failed change must not be retried on a stale version.
    this.open[i] = this.open[this.open.length - 1];
    this.open.pop();
    const answer = await this.call(`PATCH contract status → ${to}`, 'write', 'PATCH', '/v1/contract', {
      json: { id: contract.id, version: contract.version, status: to },
      check: (a) => {
        const status = JSON.parse(a.body.toString('utf8')).status;
        return status === to ? undefined : `status ${status}, asked for ${to}`;
      },
    });
    this.afterPatch(contract, answer, this.contracts);
    if (answer && to === 120) this.open.push(contract);
  }
  /** Checks the version moved by one, or forgets a record whose write failed. */
  afterPatch(record, answer, list) {
    if (answer) {
      const data = JSON.parse(answer.body.toString('utf8'));
      if (data.version !== record.version + 1) {
        this.recorder.fail(this.recorder.kind('version check', 'write'), {
          id: record.id,
          problem: `version ${data.version} after ${record.version}`,
        });
      }
      Object.assign(record, { version: data.version, status: data.status });
    } else if (list.length > 1) {
      list.splice(list.indexOf(record), 1);
    }
  }
  /** The last create again, same key and body: the first answer replayed (SPEC §7). */
  async replayCreate() {
    const last = this.lastCreate;
    if (!last) return this.createClient();
    await this.call('POST replay (same Idempotency-Key)', 'write', 'POST', last.path, {
      json: last.json,
      headers: { 'idempotency-key': last.key },
      expect: 201,
      check: (a) => {
        if (a.headers['idempotent-replayed'] !== 'true') return 'no Idempotent-Replayed header';
        const id = JSON.parse(a.body.toString('utf8')).id;
        return id === last.id ? undefined : `replayed id ${id}, first ${last.id}`;
      },
    });
  }
  async uploadFile() {
    const n = ++this.n;
    const text = `Soak run ${this.runId}, client ${this.index}, note ${n}.\n`;
    const bytes = Buffer.from(text.repeat(Math.ceil(2048 / text.length)));
    const contract = pick(this.contracts);
    const form = multipart(
      { contractId: contract.id, category: 'correspondence' },
      { name: `note-${n}.txt`, type: 'text/plain', bytes },
    );
    const answer = await this.call('POST file (2 KB, multipart)', 'write', 'POST', '/v1/file', {
      form,
      headers: { 'idempotency-key': `${this.runId}-${this.index}-f-${n}` },
      expect: 201,
    });
    if (!answer) return;
    this.files.push({ id: JSON.parse(answer.body.toString('utf8')).id, size: bytes.length });
    // The contract's fileIdList grew: a change, so its version moved on too.
    contract.version++;
  }

  /** Gives the client a record of each kind it writes or downloads, before the load. */
  async prepare() {
    await this.createClient();
    await this.createContract();
    await this.uploadFile();
    if (!this.clients.length || !this.contracts.length || !this.files.length) {
      throw new Error(`client ${this.index} could not create its first records`);
    }
  }
}

/** The mix, in percent of operations (a sync with changes sends a second request, its fetch). */
const MIX = [
  ['read', 10, 'authStatus'],
  ['read', 25, 'contractsByIds'],
  ['read', 12, 'clientsByIds'],
  ['read', 10, 'contractsOfHolder'],
  ['read', 8, 'clientsByExternalId'],
  ['read', 5, 'downloadFile'],
  ['sync', 10, 'contractDelta'],
  ['sync', 5, 'clientDelta'],
  ['sync', 4, 'lastWeek'],
  ['sync', 1, 'allContractIds'],
  ['write', 2, 'createClient'],
  ['write', 2, 'updateClient'],
  ['write', 2, 'createContract'],
  ['write', 1.5, 'updateContract'],
  ['write', 1.5, 'changeStatus'],
  ['write', 0.5, 'uploadFile'],
  ['write', 0.5, 'replayCreate'],
];
const MIX_TOTAL = MIX.reduce((sum, [, weight]) => sum + weight, 0);
function pickOperation() {
  let r = Math.random() * MIX_TOTAL;
  for (const [, weight, operation] of MIX) {
    r -= weight;
    if (r < 0) return operation;
  }
  return MIX[0][2];
}

/**
 * A consumer's token and the ids its reads pick from, read over the API once before the load
 * with the SDK (@finum-sync/client). The load itself sends raw requests on its own agent: it
 * measures each request and counts every failure, where the SDK would retry and hide them.
 */
async function consumerFixture(server, seeded, keysDir) {
  const privateKey = readFileSync(join(keysDir, `${seeded.consumerId}.private.pem`), 'utf8');
  const finum = createClient({ baseUrl: server.url, payload: seeded.payload, privateKey });
  const fixture = { id: seeded.consumerId, since: {}, finum };
  // The SDK's token cache: one signature per token lifetime, renewed before it expires.
  const sign = async () => {
    fixture.authorization = `Bearer ${await finum.tokens.token()}`;
  };
  await sign();
  fixture.refresh = setInterval(sign, TOKEN_REFRESH_MS);
  for (const type of ['contract', 'client']) {
    const { ids, syncUntil } = await finum[`${type}s`].changedIds();
    fixture[`${type}Ids`] = ids;
    fixture.since[type] = syncUntil;
  }
  const { records: clients } = await finum.clients.list({ ids: fixture.clientIds.slice(0, 200) });
  fixture.externalIds = clients.map((c) => c.externalId).filter(Boolean);
  return fixture;
}

async function activeProducts(consumer) {
  const { ids } = await consumer.finum.products.changedIds();
  const { records } = await consumer.finum.products.list({ ids });
  return records.filter((p) => p.active && !p.deleted).map((p) => p.id);
}

/** One GET on a connection of its own (not the load's), body as text. */
function plainGet(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (d) => {
          text += d;
        });
        response.on('end', () => resolve({ status: response.statusCode, text }));
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

/** RSS from /proc, and the V8 heap in use and external memory (Buffers) from the server's /metrics. */
async function memorySample(server, t) {
  const sample = { t, rss: rssBytes(server.pid) };
  try {
    const { text } = await plainGet(`${server.url}/metrics`);
    const heap = /^finum_nodejs_heap_size_used_bytes (\d+)/m.exec(text);
    const external = /^finum_nodejs_external_memory_bytes (\d+)/m.exec(text);
    if (heap) sample.heapUsed = Number(heap[1]);
    if (external) sample.external = Number(external[1]);
  } catch {}
  return sample;
}

/** The server's own count of answers by status, from its /metrics. */
async function serverStatuses(server) {
  const { text } = await plainGet(`${server.url}/metrics`);
  const byStatus = {};
  for (const m of text.matchAll(/^finum_http_requests_total\{[^}]*status="(\d+)"[^}]*\} (\d+)/gm)) {
    byStatus[m[1]] = (byStatus[m[1]] ?? 0) + Number(m[2]);
  }
  return byStatus;
}

/** Bytes of the files under `dir`, recursively. */
function treeBytes(dir) {
  let sum = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    sum += entry.isDirectory() ? treeBytes(path) : statSync(path).size;
  }
  return sum;
}

/** The database's size: SQLite's files (with its WAL) and its blob directory, or PostgreSQL's database. */
async function databaseBytes(dialect, set) {
  if (dialect === 'sqlite') {
    const blobs = join(set.dir, 'blobs');
    return readdirSync(set.dir)
      .filter((name) => name.startsWith('finum-sync.db'))
      .reduce((sum, name) => sum + statSync(join(set.dir, name)).size, existsSync(blobs) ? treeBytes(blobs) : 0);
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: set.databaseUrl });
  await client.connect();
  try {
    return Number((await client.query('select pg_database_size(current_database()) as n')).rows[0].n);
  } finally {
    await client.end();
  }
}

/**
 * RSS before, after and at most; the mean RSS, V8 heap in use and external memory of the first,
 * middle and last third of the measured time; and the verdict, on RSS.
 */
function memoryTrend(samples, durationS) {
  const third = (i) => samples.filter((s) => s.t >= (i * durationS) / 3 && s.t <= ((i + 1) * durationS) / 3);
  const byThird = (field) =>
    [0, 1, 2].map((i) => {
      const list = third(i).filter((s) => s[field] !== undefined);
      return list.reduce((sum, s) => sum + s[field], 0) / Math.max(1, list.length);
    });
  const rss = byThird('rss');
  const growth = rss[2] / rss[1] - 1;
  return {
    before: samples[0].rss,
    after: samples[samples.length - 1].rss,
    max: Math.max(...samples.map((s) => s.rss)),
    meanRssByThird: rss,
    meanHeapUsedByThird: byThird('heapUsed'),
    meanExternalByThird: byThird('external'),
    lastVsMiddle: growth,
    bounded: growth <= BOUNDED_GROWTH,
  };
}

async function main() {
  const o = options();
  const dialect = DIALECTS[o.dialect];
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const url = new URL(o.adminUrl);
  url.pathname = '/finum_soak';
  const set = { dir: join(RESULTS, `soak-${o.dialect}-${stamp}`), databaseUrl: url.toString() };
  mkdirSync(set.dir, { recursive: true });
  if (o.dialect === 'postgres') {
    await dialect.drop(set, o.adminUrl);
    await dialect.prepare(set, o.adminUrl);
  }
  console.log(`Seeding ${o.consumers} consumers × ${fmt(o.contracts)} contracts (${o.dialect}, ${set.dir}) …`);
  const seeded = JSON.parse(
    await cli(['seed', '--consumers', String(o.consumers), '--contracts', String(o.contracts), '--json'], {
      ...dialect.env(set),
      PUBLIC_URL: AUDIENCE,
    }),
  );
  const dbBefore = await databaseBytes(o.dialect, set);
  const server = await startServer(dialect.env(set), AUDIENCE);
  const recorder = new Recorder();
  const runId = Date.now().toString(36);
  const load = [loadavg()[0]];
  let consumers = [];
  let failed = true;
  try {
    const rssIdle = rssBytes(server.pid);
    const used = seeded.consumers.slice(0, Math.min(o.consumers, o.connections));
    consumers = await Promise.all(used.map((c) => consumerFixture(server, c, seeded.keysDir)));
    const products = await activeProducts(consumers[0]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
    const base = new URL(server.url);
    const clients = Array.from(
      { length: o.connections },
      (_, index) =>
        new Client({ index, consumer: consumers[index % consumers.length], base, agent, recorder, runId, products }),
    );
    await Promise.all(clients.map((c) => c.prepare()));

    let stopping = false;
    const loops = clients.map(async (client) => {
      while (!stopping) await client[pickOperation()]();
    });
    console.log(`Warm-up ${o.warmupS} s, then ${o.durationS} s of load on ${o.connections} connections …`);
    await sleep(o.warmupS * 1000);
    recorder.measureStart = performance.now();
    recorder.measuring = true;
    const memory = [await memorySample(server, 0)];
    const t = () => (performance.now() - recorder.measureStart) / 1000;
    const sampler = setInterval(async () => {
      let sample;
      try {
        sample = await memorySample(server, t());
      } catch {
        return; // the process ended: the load loop reports it
      }
      memory.push(sample);
      console.log(
        `  ${fmt(sample.t)} s: RSS ${mib(sample.rss)}, heap ${sample.heapUsed ? mib(sample.heapUsed) : '?'}, ` +
          `external ${sample.external ? mib(sample.external) : '?'}, ` +
          `${fmt(recorder.errorCount)} errors`,
      );
    }, o.sampleS * 1000);
    // The load runs its duration, or until the server process ends under it.
    while (t() < o.durationS && server.alive()) await sleep(Math.min(1000, (o.durationS - t()) * 1000));
    clearInterval(sampler);
    const elapsedS = t();
    recorder.measuring = false;
    stopping = true;
    if (server.alive()) memory.push(await memorySample(server, elapsedS));
    await Promise.all(loops);
    agent.destroy();
    load.push(loadavg()[0]);
    if (!server.alive()) {
      const { code, signal, at } = server.exit;
      throw new Error(
        `the server process ended during the load, ${fmt(elapsedS)} s into it, at ${at}: ` +
          `${signal ? `signal ${signal}` : `exit code ${code}`} (${fmt(recorder.errorCount)} errors); ` +
          `last memory sample: ${JSON.stringify(memory[memory.length - 1])}`,
      );
    }

    const statuses = await serverStatuses(server);
    const dbAfter = await databaseBytes(o.dialect, set);
    // Reads, sync, writes; the most frequent first within each.
    const order = ['read', 'sync', 'write'];
    const byCategory = (a, b) => order.indexOf(a.category) - order.indexOf(b.category) || b.samples.n - a.samples.n;
    const kinds = [...recorder.kinds.values()].sort(byCategory).map((k) => ({
      kind: k.name,
      category: k.category,
      requests: k.samples.n,
      rps: k.samples.n / elapsedS,
      ...k.samples.stats(),
      errors: k.errors,
    }));
    const group = (name, list) => {
      const all = new Samples();
      for (const k of list) for (let i = 0; i < k.samples.n; i++) all.push(k.samples.values[i]);
      return {
        kind: name,
        requests: all.n,
        rps: all.n / elapsedS,
        ...all.stats(),
        errors: list.reduce((sum, k) => sum + k.errors, 0),
      };
    };
    const all = [...recorder.kinds.values()];
    const result = {
      date: started.toISOString(),
      machine: machine(),
      loadAverage1m: { start: load[0], end: load[1] },
      dialect: o.dialect,
      dataset: {
        consumers: o.consumers,
        contracts: o.contracts,
        records: seeded.records,
        consumersUsed: consumers.length,
      },
      connections: o.connections,
      warmupS: o.warmupS,
      durationS: elapsedS,
      mix: MIX.map(([category, weight, operation]) => ({ operation, category, percent: (100 * weight) / MIX_TOTAL })),
      overall: group('all', all),
      categories: ['read', 'sync', 'write'].map((c) =>
        group(
          c,
          all.filter((k) => k.category === c),
        ),
      ),
      kinds,
      errors: recorder.errorCount,
      errorSamples: recorder.errors,
      serverStatuses: statuses,
      serverLog: server.log,
      memory: { idleAfterStart: rssIdle, ...memoryTrend(memory, elapsedS), samples: memory },
      databaseBytes: { before: dbBefore, after: dbAfter },
    };
    report(result);
    mkdirSync(RESULTS, { recursive: true });
    const file = join(RESULTS, `${stamp}-soak-${o.dialect}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nSaved ${file}`);
    failed = result.errors > 0 || server.log.errors > 0 || !result.memory.bounded;
  } finally {
    for (const c of consumers) clearInterval(c.refresh);
    await server.stop();
    if (failed || o.keep) {
      console.log(`Data kept: ${o.dialect === 'postgres' ? `${set.databaseUrl} and ` : ''}${set.dir}`);
    } else {
      rmSync(set.dir, { recursive: true, force: true });
      await dialect.drop?.(set, o.adminUrl);
    }
  }
  if (failed) process.exitCode = 1;
}

function report(r) {
  const ms = (n) => fmt(n, 2);
  const rows = [['requests', 'category', 'count', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors']];
  const row = (k, category = '') => [
    k.kind,
    category,
    fmt(k.requests),
    fmt(k.rps, 1),
    ms(k.p50),
    ms(k.p99),
    ms(k.max),
    fmt(k.errors),
  ];
  rows.push(row({ ...r.overall, kind: 'all' }));
  for (const c of r.categories) rows.push(row({ ...c, kind: `all ${c.kind}` }));
  for (const k of r.kinds) rows.push(row(k, k.category));
  const widths = rows[0].map((_, c) => Math.max(...rows.map((x) => x[c].length)));
  const line = (x) =>
    `| ${x.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`;
  console.log(
    `\nFiNUM Sync load and soak — ${r.dialect}, ${fmt(r.dataset.contracts)} contracts over ${r.dataset.consumers} consumers ` +
      `(${fmt(r.dataset.records)} records), ${r.connections} connections as ${r.dataset.consumersUsed} consumers, ` +
      `${fmt(r.durationS, 1)} s after ${r.warmupS} s of warm-up`,
  );
  console.log(
    `${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.ramGiB} GiB, Node ${r.machine.node}; load average ${fmt(r.loadAverage1m.start, 1)} → ${fmt(r.loadAverage1m.end, 1)}\n`,
  );
  console.log(line(rows[0]));
  console.log(`|${widths.map((w, c) => (c < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const x of rows.slice(1)) console.log(line(x));
  const m = r.memory;
  console.log(
    `\nErrors: ${fmt(r.errors)} (driver); server answers by status: ${JSON.stringify(r.serverStatuses)}; ` +
      `server log: ${r.serverLog.errors} errors, ${r.serverLog.warnings} warnings`,
  );
  console.log(
    `Server RSS: ${mib(m.idleAfterStart)} idle after start; ${mib(m.before)} after warm-up → ${mib(m.after)} at the end, ` +
      `max ${mib(m.max)}; mean by third ${m.meanRssByThird.map(mib).join(' / ')} ` +
      `(last vs middle ${m.lastVsMiddle >= 0 ? '+' : ''}${fmt(100 * m.lastVsMiddle, 1)} %: ` +
      `${m.bounded ? 'bounded' : 'GROWING'}, limit +${100 * BOUNDED_GROWTH} %)`,
  );
  console.log(
    `V8 heap in use, mean by third: ${m.meanHeapUsedByThird.map(mib).join(' / ')}; ` +
      `external (Buffers): ${m.meanExternalByThird.map(mib).join(' / ')}`,
  );
  if (r.dialect === 'sqlite') {
    console.log(
      'Note: RSS includes the SQLite page caches, up to 64 MiB on each of the two connections (cache_size in\n' +
        'store/sqlite.ts), which fill as the load touches more of the database: RSS growth with a flat heap and\n' +
        'external memory is that, until they are full (see BENCHMARKS.md).',
    );
  }
  console.log(
    `Database: ${mib(r.databaseBytes.before)} → ${mib(r.databaseBytes.after)} ` +
      `(+${mib(r.databaseBytes.after - r.databaseBytes.before)})`,
  );
  console.log(`Verdict: ${r.errors === 0 && m.bounded ? 'ok — 0 errors, bounded memory' : 'FAILED'}`);
}

main().catch((error) => {
  console.error(`soak: ${error.stack ?? error.message}`);
  process.exitCode = 1;
});
