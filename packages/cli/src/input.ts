import { readFileSync } from 'node:fs';
import { UsageError } from './command.js';

/** The file name that means standard input, as in most command-line tools. */
export const STDIN = '-';

let stdinTakenBy: string | undefined;

/**
 * Reads the file an option names, or standard input when it is `-` (once per run: a second
 * option asking for it is bad input). Unreadable files are a {@link UsageError} naming the option.
 *
 * @example const pem = readInput(values.key, 'key', 'utf8');
 */
export function readInput(path: string, option: string): Buffer;
export function readInput(path: string, option: string, encoding: 'utf8'): string;
export function readInput(path: string, option: string, encoding?: 'utf8'): Buffer | string {
  if (path === STDIN) {
    if (stdinTakenBy !== undefined && stdinTakenBy !== option) {
      throw new UsageError(`--${option} -: standard input is read for --${stdinTakenBy} already`);
    }
    stdinTakenBy = option;
  }
  try {
    // File descriptor 0 is standard input.
    const bytes = readFileSync(path === STDIN ? 0 : path);
    return encoding ? bytes.toString(encoding) : bytes;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = path === STDIN ? 'standard input' : path;
    throw new UsageError(`--${option}: cannot read ${what}${code === 'ENOENT' ? ': no such file' : ` (${code})`}`);
  }
}
