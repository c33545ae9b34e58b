import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_AUDIENCE } from './server.js';

/** The built CLI: server processes in tests run what ships, `finum-sync serve`. */
export const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** stdout and stderr so far (for failure messages). */
  output(): string;
  /**
   * Resolves when the output matches `pattern`: the server logged something. By default
   * the output so far counts too; `fromNow` looks only at what comes next.
   */
  waitForOutput(pattern: RegExp, options?: { fromNow?: boolean; timeoutMs?: number }): Promise<void>;
  /** Sends a signal and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `finum-sync serve` in a child process with `env` (on top of a minimal environment:
 * 127.0.0.1, a free port, the test audience, DEMO=off, info logs) and resolves once it
 * logged where it listens.
 */
export function spawnServer(env: Record<string, string>, { timeoutMs = 30_000 } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      PUBLIC_URL: TEST_AUDIENCE,
      DEMO: 'off',
      LOG_LEVEL: 'info',
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
  child.stdout!.setEncoding('utf8').on('data', append);
  child.stderr!.setEncoding('utf8').on('data', append);
  const waitForOutput: ServerProcess['waitForOutput'] = (pattern, options = {}) => {
    const from = options.fromNow ? output.length : 0;
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        watchers.delete(check);
        reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const check = () => {
        if (!pattern.test(output.slice(from))) return;
        clearTimeout(timer);
        watchers.delete(check);
        resolve();
      };
      watchers.add(check);
      check();
    });
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const kill: ServerProcess['kill'] = (signal = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };

  return new Promise((resolve, reject) => {
    void exited.then(({ code, signal }) =>
      reject(new Error(`the server process exited (${code ?? signal}) before listening:\n${output}`)),
    );
    waitForOutput(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/, { timeoutMs }).then(
      () => {
        const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
        resolve({ url, child, output: () => output, waitForOutput, kill });
      },
      (error: Error) => {
        void kill('SIGKILL');
        reject(error);
      },
    );
  });
}
