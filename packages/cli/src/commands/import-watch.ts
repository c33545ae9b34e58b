import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImportReport } from '@finum-sync/spec/admin';
import { UsageError } from '../command.js';

/**
 * `finum-sync import --watch <dir>` (issue 15 item 3): applies NDJSON files as they arrive.
 *
 * The rule for writers: a file is read once its name ends in `.ndjson` and its size has
 * stayed the same over one poll — write it under another name (`orders.ndjson.part`) and
 * rename it into place when complete (a rename within a directory is atomic). Each file is
 * applied whole or not at all (the import's own rule), then moved with its report beside it:
 * to `done/` when applied, to `failed/` when the server or the database refused it (its
 * lines are wrong). A file is never read again from `done/` or `failed/`; one that arrives
 * again under the same name is a new file (and re-applying the same records changes
 * nothing: unchanged records keep their version). When the database or the server cannot be
 * reached, the file stays where it is and is tried again at the next poll.
 */

export interface WatchOptions {
  dir: string;
  intervalMs: number;
  /** Apply what is there (and stable) and return, instead of watching. */
  once: boolean;
  /** Applies one file; throws a problem (status < 500) when the file is refused. */
  apply(path: string): Promise<ImportReport>;
  /** The file could not be applied for now (the database or the server is down): it is tried again. */
  onError(file: string, error: unknown): void;
  signal: AbortSignal;
}

export interface FileOutcome {
  file: string;
  state: 'done' | 'failed';
  report?: ImportReport;
  error?: string;
  errors?: unknown[];
  /** Where the file and its report are now. */
  movedTo: string;
}

/** A refusal of the file itself (its content): the core's or the server's 4xx problem. */
const isRefusal = (error: unknown) =>
  error instanceof Error && error.name === 'ProblemError' && ((error as { status?: number }).status ?? 500) < 500;

/** A name in `dir` not taken yet: `name`, else `name` with `-2`, `-3`… before `.ndjson`. */
function freeName(dir: string, name: string): string {
  if (!existsSync(join(dir, name))) return name;
  for (let n = 2; ; n++) {
    const candidate = name.replace(/(\.ndjson)$/, `-${n}$1`);
    if (!existsSync(join(dir, candidate))) return candidate;
  }
}

function settle(dir: string, name: string, outcome: Omit<FileOutcome, 'movedTo'>): FileOutcome {
  const target = join(dir, outcome.state);
  mkdirSync(target, { recursive: true });
  const moved = freeName(target, name);
  const movedTo = join(target, moved);
  // The report first: a file in done/ or failed/ always has its report beside it.
  writeFileSync(`${movedTo}.report.json`, `${JSON.stringify({ ...outcome, file: name }, null, 2)}\n`);
  renameSync(join(dir, name), movedTo);
  return { ...outcome, movedTo };
}

/** Watches `dir` and calls `onFile` for each file applied or refused; resolves when `signal` aborts (or once). */
export async function watchImports(options: WatchOptions, onFile: (outcome: FileOutcome) => void): Promise<void> {
  const { dir, signal } = options;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--watch: ${dir} is not a directory`);
  /** Sizes seen at the last poll: a file is read once its size held over one poll. */
  let seen = new Map<string, number>();
  while (!signal.aborted) {
    const now = new Map<string, number>();
    const names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ndjson') && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
    for (const name of names) {
      if (signal.aborted) break;
      let size: number;
      try {
        size = statSync(join(dir, name)).size;
      } catch {
        continue; // moved away meanwhile
      }
      now.set(name, size);
      // Stable over one poll (with --once: read as they are).
      if (!options.once && seen.get(name) !== size) continue;
      try {
        const report = await options.apply(join(dir, name));
        onFile(settle(dir, name, { file: name, state: 'done', report }));
      } catch (error) {
        if (!isRefusal(error)) {
          // A wrong configuration (a refused admin token) ends the watch; an outage waits.
          if (options.once || (error instanceof UsageError && !(error as { transient?: boolean }).transient)) {
            throw error;
          }
          options.onError(name, error);
          break;
        }
        const { message, errors } = error as Error & { errors?: unknown[] };
        onFile(settle(dir, name, { file: name, state: 'failed', error: message, ...(errors ? { errors } : {}) }));
      }
      now.delete(name);
    }
    seen = now;
    if (options.once) return;
    await sleep(options.intervalMs, undefined, { signal }).catch(() => {});
  }
}
