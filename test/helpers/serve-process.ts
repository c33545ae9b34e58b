import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { TEST_AUDIENCE } from './server.js';

/** What the child runs: the server package's own entry points, as `serve` would. */
const MAIN = `
const { startServer, loadConfig } = await import('@finum-sync/server');
const server = await startServer(loadConfig());
process.stdout.write(JSON.stringify({ finumSyncListening: server.url }) + '\\n');
const stop = () => server.close().then(() => process.exit(0), () => process.exit(1));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
`;

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** stdout and stderr so far (for failure messages). */
  output(): string;
  /** Resolves when the output (so far or to come) matches `pattern`: the server logged something. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends a signal and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs the server in a child process (`startServer(loadConfig())` from `@finum-sync/server`)
 * with `env` (on top of a minimal environment: 127.0.0.1, a free port, the test audience,
 * DEMO=off) and resolves once it printed where it listens.
 */
export function spawnServer(env: Record<string, string>, { timeoutMs = 30_000 } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', MAIN], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      PUBLIC_URL: TEST_AUDIENCE,
      DEMO: 'off',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const watchers = new Set<() => void>();
  const append = (text: string) => {
    output += text;
    for (const check of watchers) check();
  };
  child.stderr!.setEncoding('utf8').on('data', append);
  const waitForOutput: ServerProcess['waitForOutput'] = (pattern, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        watchers.delete(check);
        reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const check = () => {
        if (!pattern.test(output)) return;
        clearTimeout(timer);
        watchers.delete(check);
        resolve();
      };
      watchers.add(check);
      check();
    });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const kill: ServerProcess['kill'] = (signal = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill('SIGKILL');
      reject(new Error(`the server process did not listen within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server process exited (${code ?? signal}) before listening:\n${output}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      append(`${line}\n`);
      const url = /"finumSyncListening":"([^"]+)"/.exec(line)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({ url, child, output: () => output, waitForOutput, kill });
    });
  });
}
