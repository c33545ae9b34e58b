// Timing helpers: one HTTP GET on a kept-alive connection, percentiles, autocannon.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import autocannon from 'autocannon';

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** GETs `url` and reads the whole body; resolves to its status, size and the time taken (ms). */
export function timedGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.get(url, { agent, headers }, (response) => {
      let bytes = 0;
      response.on('data', (chunk) => {
        bytes += chunk.length;
      });
      response.on('end', () => resolve({ status: response.statusCode, bytes, ms: performance.now() - started }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Measures two ways of doing the same work the same number of times, interleaved in
 * rounds so that a change of machine load hits both alike. Each `run` resolves to the
 * time of one call in ms. Warm-up calls come first and are not counted.
 */
export async function compare({ samples, warmup, rounds = 5, ...runs }) {
  const names = Object.keys(runs);
  for (let i = 0; i < warmup; i++) for (const name of names) await runs[name]();
  const times = Object.fromEntries(names.map((name) => [name, []]));
  const perRound = Math.ceil(samples / rounds);
  for (let r = 0; r < rounds; r++) {
    for (const name of names) for (let i = 0; i < perRound; i++) times[name].push(await runs[name]());
  }
  const stats = (list) => ({ p50: percentile(list, 50), p99: percentile(list, 99), n: list.length });
  return Object.fromEntries(names.map((name) => [name, stats(times[name])]));
}

/** The time `work` takes, in ms. */
export async function timed(work) {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/**
 * CPU time (user + system, µs) a process has used so far, from /proc (Linux; clock ticks
 * of 10 ms); `undefined` elsewhere.
 */
export function cpuTimeUs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

/**
 * Two URLs' throughput compared in alternating rounds of `durationS / rounds` seconds each
 * (after a warm-up of each): a change of machine load (a noisy neighbour on a VM, the
 * scheduler putting client and server on one core for a while) then hits both alike, and
 * the ratio is the median of the rounds' ratios, not one pair of runs that may straddle it.
 * Each side's figures add its rounds up.
 */
export async function compareThroughput({
  baseline,
  measured,
  connections,
  durationS,
  warmupS,
  rounds = 5,
  serverPid,
}) {
  const run = ({ url, headers = {} }, duration) => autocannon({ url, headers, connections, duration, pipelining: 1 });
  await run(baseline, warmupS);
  await run(measured, warmupS);
  const sides = { baseline: [], measured: [] };
  const roundS = Math.max(1, Math.round(durationS / rounds));
  for (let round = 0; round < rounds; round++) {
    for (const [name, target] of [
      ['baseline', baseline],
      ['measured', measured],
    ]) {
      const cpuBefore = cpuTimeUs(serverPid);
      const result = await run(target, roundS);
      const cpuAfter = cpuTimeUs(serverPid);
      if (result.errors > 0 || result.non2xx > 0) {
        throw new Error(`${target.url}: ${result.errors} errors, ${result.non2xx} non-2xx answers under load`);
      }
      sides[name].push({ result, cpuUs: cpuBefore === undefined ? undefined : cpuAfter - cpuBefore });
    }
  }
  const total = (list) => {
    const requests = list.reduce((sum, r) => sum + r.result.requests.total, 0);
    const cpuUs = list.every((r) => r.cpuUs !== undefined) ? list.reduce((sum, r) => sum + r.cpuUs, 0) : undefined;
    return {
      rps: list.reduce((sum, r) => sum + r.result.requests.average, 0) / list.length,
      latencyP99: Math.max(...list.map((r) => r.result.latency.p99)),
      requests,
      serverCpuUsPerRequest: cpuUs === undefined ? undefined : cpuUs / requests,
    };
  };
  const ratios = sides.measured.map((m, i) => m.result.requests.average / sides.baseline[i].result.requests.average);
  return {
    baseline: total(sides.baseline),
    measured: total(sides.measured),
    ratios,
    ratio: percentile(ratios, 50),
    rounds,
  };
}
