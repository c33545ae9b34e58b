import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECORD_TYPES, type RecordType } from '@finum-sync/spec';
import type { MirrorStore } from '@finum-sync/sync';
import { CLI } from './serve-process.js';
import { fetchParsed, type TestConsumer } from './server.js';

/** A consumer's credentials as files, the way `finum-sync sync --payload --key` reads them. */
export function credentialFiles(consumer: TestConsumer, audience: string): { payload: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'finum-sync-cred-'));
  const payload = join(dir, 'payload.json');
  const key = join(dir, 'key.pem');
  writeFileSync(payload, JSON.stringify({ sub: consumer.id, aud: audience }));
  writeFileSync(key, consumer.privateKey);
  return { payload, key };
}

export interface CliRun {
  child: ChildProcess;
  /** Resolves with the exit code (or signal) and the output once the process ended. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Runs the built `finum-sync` CLI as a child process. */
export function spawnCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Runs the CLI to its end. */
export const runCli = (args: string[], env: Record<string, string> = {}) => spawnCli(args, env).done;

/** The records a consumer sees at a provider, per type, by id: its whole sync view. */
export async function providerView(
  url: string,
  consumer: TestConsumer,
  types: readonly RecordType[] = RECORD_TYPES,
): Promise<Record<string, Map<string, Record<string, unknown>>>> {
  const view: Record<string, Map<string, Record<string, unknown>>> = {};
  for (const type of types) {
    const headers = await consumer.headers();
    const ids = (await fetchParsed(`${url}/v1/${type}-id-list-updated`, { headers })).body as string[];
    const records = new Map<string, Record<string, unknown>>();
    for (let at = 0; at < ids.length; at += 200) {
      const part = ids.slice(at, at + 200);
      const listed = await fetchParsed(`${url}/v1/${type}-list?id-list=${part.join(',')}`, { headers });
      for (const r of listed.body as Record<string, unknown>[]) records.set(r.id as string, r);
    }
    view[type] = records;
  }
  return view;
}

/** A provider's rows in the mirror, per type, by id, with the record parsed. */
export async function mirrorView(
  mirror: MirrorStore,
  provider: string,
  types: readonly RecordType[] = RECORD_TYPES,
): Promise<
  Record<string, Map<string, { version: number; deleted: boolean; updatedAt: string; record: Record<string, unknown> }>>
> {
  const view: Awaited<ReturnType<typeof mirrorView>> = {};
  for (const type of types) {
    const rows = await mirror.db.selectFrom(type).selectAll().where('provider', '=', provider).execute();
    view[type] = new Map(
      rows.map((r) => [
        r.id,
        {
          version: Number(r.version),
          deleted: Boolean(r.deleted),
          updatedAt: r.updated_at,
          record: (typeof r.record === 'string' ? JSON.parse(r.record) : r.record) as Record<string, unknown>,
        },
      ]),
    );
  }
  return view;
}

/**
 * The differences between a provider's view and the mirror's rows of that provider:
 * empty when the mirror holds exactly the provider's view (every id once, every field,
 * version and deleted flag).
 */
export async function mirrorDrift(
  url: string,
  consumer: TestConsumer,
  mirror: MirrorStore,
  provider: string,
  types: readonly RecordType[] = RECORD_TYPES,
): Promise<string[]> {
  const expected = await providerView(url, consumer, types);
  const actual = await mirrorView(mirror, provider, types);
  const drift: string[] = [];
  for (const type of types) {
    const want = expected[type]!;
    const have = actual[type]!;
    for (const [id, record] of want) {
      const row = have.get(id);
      if (!row) drift.push(`${type} ${id}: missing in the mirror`);
      else if (row.version !== record.version || row.deleted !== record.deleted || row.updatedAt !== record.updatedAt)
        drift.push(
          `${type} ${id}: mirror v${row.version}/${row.deleted} vs provider v${record.version}/${record.deleted}`,
        );
      else if (JSON.stringify(sortKeys(row.record)) !== JSON.stringify(sortKeys(record)))
        drift.push(`${type} ${id}: record differs`);
    }
    for (const id of have.keys()) if (!want.has(id)) drift.push(`${type} ${id}: in the mirror, not at the provider`);
  }
  return drift;
}

const sortKeys = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
