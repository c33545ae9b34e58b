import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The built CLI: what ships. */
export const CLI = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A minimal environment: nothing of the caller's configuration leaks into the child. */
const baseEnv = () => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' });

/** Runs `finum-sync <args>` to completion. */
export async function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...baseEnv(), ...env }, cwd });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** Runs the CLI and parses its stdout as JSON; fails with its stderr when it did not exit 0. */
export async function runCliJson<T = unknown>(args: string[], env: Record<string, string> = {}): Promise<T> {
  const result = await runCli(args, env);
  if (result.code !== 0) throw new Error(`finum-sync ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

export interface ServeProcess {
  url: string;
  child: ChildProcessWithoutNullStreams;
  /** Everything the process wrote so far. */
  output(): string;
  /** Resolves when the process writes something that matches `pattern` from now on. */
  waitFor(pattern: RegExp): Promise<void>;
  /** Sends a signal and resolves to the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `finum-sync serve` on a free port and resolves once it logged that it listens
 * (the URL is read from that line). Rejects with the output when the process exits first.
 */
export async function startServe(env: Record<string, string>, timeoutMs = 30_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...baseEnv(), PORT: '0', HOST: '127.0.0.1', DEMO: 'off', LOG_LEVEL: 'info', ...env },
  });
  let output = '';
  const watchers = new Set<{ pattern: RegExp; from: number; resolve: () => void }>();
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not listen within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: string) => {
      output += chunk;
      for (const w of watchers) {
        if (w.pattern.test(output.slice(w.from))) {
          watchers.delete(w);
          w.resolve();
        }
      }
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    waitFor: (pattern) => new Promise<void>((resolve) => watchers.add({ pattern, from: output.length, resolve })),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
