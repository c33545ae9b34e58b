#!/usr/bin/env node
// The SDK's own cost (`@finum-sync/client`): contract-list of 1,000 ids through
// `client.contracts.list` against the same request with raw fetch (a token signed once, the
// URL built once, `response.json()`), on loopback. Each iteration runs raw fetch, the client
// and the client without the schema check back to back (in rotating order), so that a change
// of machine load hits all three alike; the overhead is the median of the per-iteration
// differences (client − raw fetch) — with the difference of the medians beside it — and the
// client process's CPU time per call, which the load of other processes inflates far less.
// What the client adds: token cache, URL building, chunking, retry bookkeeping, schema check, merge.
// bench/run.js calls measureClientOverhead() on its own server (unless --skip-client); standalone:
//   node bench/client.js [--contracts N] [--samples n] [--dialect sqlite|postgres]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, signToken } from '@finum-sync/client';
import { DIALECTS } from './lib/dialects.js';
import { percentile } from './lib/measure.js';
import { benchOptions, fmt } from './lib/options.js';
import { cli, machine, startServer } from './lib/server-process.js';

/** The target: the client adds at most this much to the median of a 1,000-id contract-list. */
export const CLIENT_OVERHEAD_TARGET_MS = 1;

/** Wall time (ms) and this process's CPU time (ms) of one call of `work`. */
async function timedCpu(work) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

/**
 * Medians (and p99) of raw fetch and of the SDK for `contract-list?id-list=` with `ids`
 * (≤ 1,000, one request either way), and the overhead: the median of the per-iteration
 * differences `client − raw` (wall time), the difference of the medians, and the same in CPU time.
 */
export async function measureClientOverhead({ url, payload, privateKey, ids, samples = 100, warmup = 10 }) {
  const authorization = `Bearer ${await signToken({ payload, privateKey })}`;
  const listUrl = `${url}/v1/contract-list?id-list=${ids.join(',')}`;
  const client = createClient({ baseUrl: url, payload, privateKey, maxUrlBytes: 64 * 1024 });
  const unchecked = createClient({
    baseUrl: url,
    payload,
    privateKey,
    maxUrlBytes: 64 * 1024,
    validateResponses: false,
  });
  const raw = async () => {
    const response = await fetch(listUrl, { headers: { authorization, accept: 'application/json' } });
    const records = await response.json();
    if (response.status !== 200 || records.length !== ids.length) throw new Error(`raw fetch: HTTP ${response.status}`);
  };
  const via = (sdk) => async () => {
    const { records } = await sdk.contracts.list({ ids });
    if (records.length !== ids.length) throw new Error(`client: ${records.length} records`);
  };
  const runs = { raw, client: via(client), unchecked: via(unchecked) };
  const names = Object.keys(runs);
  for (let i = 0; i < warmup; i++) for (const name of names) await runs[name]();
  const times = Object.fromEntries(names.map((name) => [name, []]));
  for (let i = 0; i < samples; i++) {
    const order = names.map((_, k) => names[(i + k) % names.length]);
    for (const name of order) times[name].push(await timedCpu(runs[name]));
  }
  const stats = (list, key = 'ms') => {
    const values = list.map((t) => t[key]);
    return { p50: percentile(values, 50), p99: percentile(values, 99), n: values.length };
  };
  const pairedP50 = (name, key) =>
    percentile(
      times[name].map((t, i) => t[key] - times.raw[i][key]),
      50,
    );
  const result = Object.fromEntries(names.map((name) => [name, stats(times[name])]));
  const cpu = Object.fromEntries(names.map((name) => [name, stats(times[name], 'cpuMs')]));
  return {
    ids: ids.length,
    ...result,
    cpu,
    overheadP50Ms: pairedP50('client', 'ms'),
    uncheckedOverheadP50Ms: pairedP50('unchecked', 'ms'),
    overheadOfMediansMs: result.client.p50 - result.raw.p50,
    uncheckedOverheadOfMediansMs: result.unchecked.p50 - result.raw.p50,
    cpuOverheadP50Ms: pairedP50('client', 'cpuMs'),
    uncheckedCpuOverheadP50Ms: pairedP50('unchecked', 'cpuMs'),
  };
}

/** The report lines of a measurement (also printed by bench/run.js). */
export function reportClientOverhead(r) {
  const ms = (n) => `${fmt(n, 2)} ms`;
  const ok = r.overheadP50Ms <= CLIENT_OVERHEAD_TARGET_MS ? 'ok' : 'MISSED';
  return [
    `SDK overhead, contract-list of ${fmt(r.ids)} ids (@finum-sync/client vs raw fetch, ${r.raw.n} iterations, loadavg ${fmt(loadavg()[0], 1)}):`,
    `  raw fetch p50 ${ms(r.raw.p50)} (p99 ${ms(r.raw.p99)}), client p50 ${ms(r.client.p50)} (p99 ${ms(r.client.p99)})`,
    `  overhead p50 ${ms(r.overheadP50Ms)} (median of per-iteration differences; difference of medians ${ms(r.overheadOfMediansMs)}) — target ≤ ${CLIENT_OVERHEAD_TARGET_MS} ms ${ok}`,
    `  CPU time of this process per call: raw fetch p50 ${ms(r.cpu.raw.p50)}, client p50 ${ms(r.cpu.client.p50)}, overhead p50 ${ms(r.cpuOverheadP50Ms)}`,
    `  reference: without the schema check (validateResponses: false) p50 ${ms(r.unchecked.p50)} (p99 ${ms(r.unchecked.p99)}), overhead ${ms(r.uncheckedOverheadP50Ms)} (of medians ${ms(r.uncheckedOverheadOfMediansMs)}), CPU overhead ${ms(r.uncheckedCpuOverheadP50Ms)}`,
  ].join('\n');
}

const USAGE = `Usage: node bench/client.js [--contracts N] [--samples n] [--dialect sqlite|postgres]

Seeds a small data set in a temporary directory (SQLite) or a temporary PostgreSQL database
(--dialect postgres; --database-url or TEST_DATABASE_URL: the admin connection, default
postgres://postgres@127.0.0.1:5432/test), starts the server as a process and measures the SDK's
overhead over raw fetch for contract-list of 1,000 ids.`;

async function main() {
  const { int, dialect, adminUrl } = benchOptions(USAGE, {
    contracts: { type: 'string', default: '4000' },
    samples: { type: 'string', default: '200' },
  });
  const audience = 'https://bench-client.finum-sync.test';
  const dir = mkdtempSync(join(tmpdir(), 'finum-bench-client-'));
  const url = new URL(adminUrl);
  url.pathname = `/finum_bench_client_${process.pid}`;
  const set = { dir, databaseUrl: dialect === 'postgres' ? url.toString() : undefined };
  await DIALECTS[dialect].prepare(set, adminUrl);
  try {
    const env = { ...DIALECTS[dialect].env(set), PUBLIC_URL: audience };
    const seeded = JSON.parse(
      await cli(['seed', '--consumers', '2', '--contracts', String(int('contracts')), '--json'], env),
    );
    const consumer = seeded.consumers[0];
    const privateKey = readFileSync(join(dir, 'seed-keys', `${consumer.consumerId}.private.pem`), 'utf8');
    const server = await startServer(DIALECTS[dialect].env(set), audience);
    try {
      const authorization = `Bearer ${await signToken({ payload: consumer.payload, privateKey })}`;
      const ids = await (
        await fetch(`${server.url}/v1/contract-id-list-updated`, { headers: { authorization } })
      ).json();
      const result = await measureClientOverhead({
        url: server.url,
        payload: consumer.payload,
        privateKey,
        ids: ids.slice(0, 1000),
        samples: int('samples'),
      });
      const m = machine();
      console.log(`${m.cpu}, ${m.cores} cores, Node ${m.node}, ${dialect}`);
      console.log(reportClientOverhead(result));
    } finally {
      await server.stop();
    }
  } finally {
    await DIALECTS[dialect].drop?.(set, adminUrl);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`bench: ${error.message}`);
    process.exitCode = 1;
  });
}
