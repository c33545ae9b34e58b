import { spawn } from 'node:child_process';
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

/** Runs `finum-sync <args>` to completion; `stdin` is what it reads on standard input (none by default). */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
  stdin?: string | Buffer,
): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...baseEnv(), ...env }, cwd });
  child.stdin.end(stdin);
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
