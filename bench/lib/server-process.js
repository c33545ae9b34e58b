// The server and the CLI as processes of their own, for the benchmarks (bench/run.js, bench/soak.js):
// the same commands and environment for both, plus the server's output counted by
// log level and its memory read from /proc.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { timedGet } from './measure.js';

export const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const CLI = join(ROOT, 'packages/cli/dist/bin.js');

/** Runs the CLI to completion; resolves to its stdout, rejects with its exit code. */
export async function cli(args, env) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    stdout += d;
  });
  const [code] = await once(child, 'close');
  if (code !== 0) throw new Error(`finum-sync ${args.join(' ')} exited with ${code}`);
  return stdout;
}

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * `finum-sync serve` as a process of its own (`DEMO=off`, `RATE_LIMIT=0`, `LOG_LEVEL=warn`);
 * resolves once /readyz answers. Its output is passed through to stderr, and its pino lines
 * at warn (40) or above are counted and the first few kept.
 */
export async function startServer(env, audience) {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: audience,
      DEMO: 'off',
      RATE_LIMIT: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = { warnings: 0, errors: 0, first: [] };
  // `serve` writes its logs (pino, JSON) on stdout and, once it listens, a banner for people on
  // stderr (packages/cli/src/commands/serve.ts): the banner is not an error; any other line that
  // is not a log record (a crash's stack trace) is.
  let inBanner = false;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      process.stderr.write(`[server] ${line}\n`);
      if (stream === child.stderr) {
        if (line.startsWith('finum-sync is serving on ')) inBanner = true;
        const banner = inBanner || line === '';
        if (line === '  Stop with Ctrl+C.') inBanner = false;
        if (banner) return;
      }
      let level = 50;
      try {
        level = JSON.parse(line).level ?? 50;
      } catch {}
      if (level >= 50) log.errors++;
      else if (level >= 40) log.warnings++;
      if (level >= 40 && log.first.length < 10) log.first.push(line.slice(0, 2000));
    });
  }
  const url = `http://127.0.0.1:${port}`;
  // No "listening" line at LOG_LEVEL=warn: poll readiness, bounded.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      if ((await timedGet(`${url}/readyz`)).status === 200) break;
    } catch {}
    if (attempt > 300) throw new Error('the server did not get ready within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const exited = once(child, 'exit');
  /** How the process ended, when it did: exit code or signal, and when. */
  const exit = {};
  child.on('exit', (code, signal) => Object.assign(exit, { code, signal, at: new Date().toISOString() }));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    url,
    pid: child.pid,
    log,
    exit,
    /** Whether the process is still running. */
    alive,
    /** Stops it with SIGTERM; a process that ended by itself before is left to the caller to report. */
    async stop() {
      if (!alive()) return;
      child.kill('SIGTERM');
      const [code] = await exited;
      if (code !== 0) throw new Error(`the server exited with ${code} on SIGTERM`);
    },
  };
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status; Linux). */
export function rssBytes(pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

export function machine() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    ramGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}
