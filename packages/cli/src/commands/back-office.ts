import { accessSync, constants, createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Contract, FileRecord } from '@finum-sync/spec';
import type { AuditEntry, Delivery, ImportReport } from '@finum-sync/spec/admin';
import {
  ACTOR_KINDS,
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  DELIVERY_KINDS,
  DELIVERY_STATES,
} from '@finum-sync/spec/admin/constants';
import { type Command, type Context, defineCommand, intOption, UsageError } from '../command.js';
import { readInput, STDIN } from '../input.js';
import { type Column, JSON_OR_TABLE, printList, printRecord } from '../output.js';
import { adminRemote, query, REMOTE_OPTIONS } from '../remote.js';
import { withStore } from '../store.js';
import { watchImports } from './import-watch.js';

/**
 * The provider's back office from the command line (issue 3): what a provider's own
 * systems do, on the database the environment configures — or, with `--server` and
 * `--admin-token` (issue 15), through a running server's `/admin/api`. Running servers pick
 * the changes up (callbacks from the outbox within a second).
 */

/** The columns `contract awaiting` shows on a terminal. */
const CONTRACT_COLUMNS: readonly Column<Contract>[] = [
  ['id', (c) => c.id],
  ['status', (c) => c.status],
  ['since', (c) => c.statusChangedAt],
  ['holder', (c) => c.holderId],
  ['product', (c) => c.productId],
  ['externalId', (c) => c.externalId],
];

const DELIVERY_COLUMNS: readonly Column<Delivery>[] = [
  ['created', (d) => d.createdAt],
  ['kind', (d) => d.kind],
  ['state', (d) => d.state],
  ['event', (d) => (d.payload as { type?: string }).type],
  ['consumer', (d) => d.consumerId],
  ['contract', (d) => d.contractId],
  ['attempts', (d) => d.attempts.length],
  ['last', (d) => d.attempts.at(-1)?.status ?? d.attempts.at(-1)?.error],
  ['url', (d) => d.url],
];

function readable(path: string, option: string): string {
  if (path === STDIN) return path;
  try {
    accessSync(path, constants.R_OK);
    return path;
  } catch {
    throw new UsageError(`${option}: cannot read ${path}`);
  }
}

export const importCommand = defineCommand({
  path: ['import'],
  summary: 'Import records from NDJSON (bulk upsert; nothing applied when a line is wrong), once or as files arrive.',
  details: [
    'One record a line: the record as the API returns it, plus "recordType" (client, product, user or contract)',
    'and the owning "consumerId" (not for products); "deleted": true removes a record. Every line is checked',
    'first; errors are listed with their line numbers and nothing is applied. Prints what the import did.',
    '',
    'With --watch <dir>: applies each *.ndjson file that arrives in <dir> once its size held over one poll.',
    'Write a file under another name (e.g. orders.ndjson.part) and rename it into place when it is complete.',
    'Each applied file moves to <dir>/done/, each refused one (wrong lines: nothing applied) to <dir>/failed/,',
    'with <file>.report.json beside it; one line per file on stdout. When the database or the server cannot be',
    'reached, the file stays and is tried again. Runs until SIGINT/SIGTERM; --once applies what is there and exits.',
  ].join('\n'),
  options: {
    file: {
      type: 'string',
      value: '<ndjson-file>',
      description: 'The records, one JSON object a line (- for standard input).',
    },
    watch: { type: 'string', value: '<dir>', description: 'Apply the *.ndjson files that arrive in this directory.' },
    interval: {
      type: 'string',
      value: '<ms>',
      default: '1000',
      description: 'With --watch: how often to look, in milliseconds.',
    },
    once: { type: 'boolean', description: 'With --watch: apply the files there now, then exit.' },
    ...REMOTE_OPTIONS,
    json: JSON_OR_TABLE,
  },
  examples: [
    'finum-sync import --file contracts.ndjson',
    'gunzip -c export.ndjson.gz | finum-sync import --file -',
    'FINUM_ADMIN_TOKEN=… finum-sync import --server https://syncapi.example.com --file contracts.ndjson',
    'finum-sync import --watch /var/spool/finum-import',
  ],
  async run(values, context) {
    if ((values.file === undefined) === (values.watch === undefined)) {
      throw new UsageError('give either --file or --watch', { pointToHelp: true });
    }
    if (values.watch === undefined) {
      const report = await importFile(values.file!, values, context);
      printRecord(context, values, report);
      return 0;
    }
    const intervalMs = intOption(values.interval, 'interval', 10, 3_600_000);
    // Checks --server and the token before the first file.
    adminRemote(values, context.env);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    context.err(`finum-sync import: watching ${values.watch} for *.ndjson files`);
    let failed = 0;
    try {
      await watchImports(
        {
          dir: values.watch,
          intervalMs,
          once: values.once,
          signal: stop.signal,
          apply: (path) => importFile(path, values, context),
          onError: (file, error) =>
            context.err(`finum-sync import: ${file}: ${(error as Error).message}; trying again`),
        },
        (outcome) => {
          if (outcome.state === 'failed') failed++;
          if (values.json || !context.isTTY) context.out(JSON.stringify(outcome));
          else {
            const r = outcome.report;
            context.out(
              r
                ? `${outcome.file}: applied (${r.lines} lines: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.deleted} deleted) → ${outcome.movedTo}`
                : `${outcome.file}: refused, nothing applied: ${outcome.error} → ${outcome.movedTo}`,
            );
          }
        },
      );
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    // --once: a refused file is a failed run (for cron and CI).
    return values.once && failed > 0 ? 1 : 0;
  },
});

/**
 * Applies one NDJSON file (or standard input): on the database, or through the server's
 * back office when `--server` or the environment names one.
 */
export async function importFile(
  path: string,
  values: { server?: string | undefined; 'admin-token'?: string | undefined },
  { env }: Context,
): Promise<ImportReport> {
  const remote = adminRemote(values, env);
  const file = readable(path, '--file');
  if (remote) {
    const source = file === STDIN ? process.stdin : createReadStream(file);
    return remote.request<ImportReport>('POST', '/records', {
      body: Readable.toWeb(source) as ReadableStream<Uint8Array>,
      contentType: 'application/x-ndjson',
    });
  }
  // The import reads its lines twice (check, then apply): standard input goes to a file first.
  const spool = file === STDIN ? mkdtempSync(join(tmpdir(), 'finum-import-')) : undefined;
  try {
    const lines = spool ? join(spool, 'stdin.ndjson') : file;
    if (spool) await pipeline(process.stdin, createWriteStream(lines));
    const { cliActor, coreContext, importRecords } = await import('@finum-sync/server/operations');
    return await withStore(env, (store, config) =>
      importRecords(
        coreContext(store, config),
        () => createInterface({ input: createReadStream(lines), crlfDelay: Number.POSITIVE_INFINITY }),
        cliActor(),
        file === STDIN ? 'standard input' : basename(file),
      ),
    );
  } finally {
    if (spool) rmSync(spool, { recursive: true, force: true });
  }
}

const nullable = (value: string | undefined) => (value === undefined ? undefined : value === '' ? null : value);

export const contractStatus = defineCommand({
  path: ['contract', 'status'],
  summary: 'Set a contract’s status (any status of the table), with a note and its data.',
  details: 'A change of status sends the contract’s callbacks. An empty value clears a field (--note "").',
  options: {
    id: { type: 'string', value: '<contract-id>', required: true, description: 'The contract.' },
    status: { type: 'string', value: '<code>', required: true, description: 'The new status, e.g. 130 or 320.' },
    note: { type: 'string', value: '<text>', description: 'The status note (what is missing, why declined…).' },
    'contract-number': { type: 'string', value: '<number>', description: 'The contract (policy) number.' },
    'end-reason': { type: 'string', value: '<text>', description: 'Why the contract ended.' },
    'start-date': { type: 'string', value: '<YYYY-MM-DD>', description: 'Start of cover.' },
    'end-date': { type: 'string', value: '<YYYY-MM-DD>', description: 'End of cover.' },
    ...REMOTE_OPTIONS,
    json: JSON_OR_TABLE,
  },
  examples: ['finum-sync contract status --id c-1042 --status 320 --contract-number POL-2026-1042'],
  async run(values, context) {
    const status = Number(values.status);
    if (!Number.isInteger(status)) throw new UsageError(`--status must be a status code, not '${values.status}'`);
    const change = {
      status,
      statusNote: nullable(values.note),
      contractNumber: nullable(values['contract-number']),
      endReason: nullable(values['end-reason']),
      startDate: nullable(values['start-date']),
      endDate: nullable(values['end-date']),
    };
    const remote = adminRemote(values, context.env);
    let contract: Contract;
    if (remote) {
      contract = await remote.request<Contract>('POST', `/contracts/${encodeURIComponent(values.id)}/status`, {
        json: change,
      });
    } else {
      const { cliActor, coreContext, setContractStatus } = await import('@finum-sync/server/operations');
      const stored = await withStore(context.env, (store, config) =>
        setContractStatus(coreContext(store, config), values.id, change, cliActor()),
      );
      contract = stored.data as Contract;
    }
    printRecord(context, values, contract);
    return 0;
  },
});

export const contractAttach = defineCommand({
  path: ['contract', 'attach'],
  summary: 'Attach a document to a contract.',
  details: 'The media type is taken from the bytes unless --type says it (and the bytes must match it).',
  options: {
    id: { type: 'string', value: '<contract-id>', required: true, description: 'The contract.' },
    file: {
      type: 'string',
      value: '<path>',
      required: true,
      description: 'The document (- for standard input; then give --name).',
    },
    category: {
      type: 'string',
      value: '<category>',
      required: true,
      description: 'proposal, policy, invoice, terms, correspondence, identification or other.',
    },
    type: { type: 'string', value: '<media-type>', description: 'Declared media type, e.g. application/pdf.' },
    name: { type: 'string', value: '<file-name>', description: 'File name (default: the file’s own).' },
    proposal: { type: 'boolean', description: 'Point the contract’s proposalFileId at it.' },
    ...REMOTE_OPTIONS,
    json: JSON_OR_TABLE,
  },
  examples: ['finum-sync contract attach --id c-1042 --file policy.pdf --category policy'],
  async run(values, context) {
    if (values.file === STDIN && values.name === undefined) {
      throw new UsageError('--file -: give the document’s file name with --name');
    }
    const remote = adminRemote(values, context.env);
    const bytes = readInput(values.file, 'file');
    const filename = values.name ?? basename(values.file);
    let attached: { file: FileRecord; contract: Contract | undefined };
    if (remote) {
      const form = new FormData();
      form.set('category', values.category);
      if (values.proposal) form.set('asProposal', 'true');
      form.set(
        'file',
        new Blob([new Uint8Array(bytes)], { type: values.type ?? 'application/octet-stream' }),
        filename,
      );
      attached = await remote.request('POST', `/contracts/${encodeURIComponent(values.id)}/files`, { body: form });
    } else {
      const { cliActor, coreContext, attachContractFile } = await import('@finum-sync/server/operations');
      const { file, contract } = await withStore(context.env, (store, config) =>
        attachContractFile(
          coreContext(store, config),
          values.id,
          { bytes, filename, declaredType: values.type },
          values.category,
          { asProposal: values.proposal },
          cliActor(),
        ),
      );
      attached = { file: file.data as FileRecord, contract: contract?.data as Contract | undefined };
    }
    if (values.json || !context.isTTY) printRecord(context, values, attached);
    else printRecord(context, values, { ...attached.file, contract: attached.contract?.id });
    return 0;
  },
});

export const contractAwaiting = defineCommand({
  path: ['contract', 'awaiting'],
  summary: 'List the contracts waiting for the provider: proposals requested (120), orders placed (230).',
  options: {
    consumer: { type: 'string', value: '<consumer-id>', description: 'Only this consumer’s contracts.' },
    ...REMOTE_OPTIONS,
    json: JSON_OR_TABLE,
  },
  async run(values, context) {
    const remote = adminRemote(values, context.env);
    let contracts: Contract[];
    if (remote) {
      contracts = await remote.request('GET', `/contracts/awaiting${query({ 'consumer-id': values.consumer })}`);
    } else {
      const { AWAITING_PROVIDER_STATUSES } = await import('@finum-sync/spec');
      const stored = await withStore(context.env, (store) =>
        store.contractsByStatus(AWAITING_PROVIDER_STATUSES, values.consumer ? { ownerId: values.consumer } : {}),
      );
      contracts = stored.map((c) => c.data as Contract);
    }
    printList(context, values, contracts, CONTRACT_COLUMNS);
    return 0;
  },
});

export const deliveries = defineCommand({
  path: ['deliveries'],
  summary: 'List callback deliveries and provider events with their attempts, newest first.',
  options: {
    consumer: { type: 'string', value: '<consumer-id>', description: 'Only this consumer’s deliveries.' },
    contract: { type: 'string', value: '<contract-id>', description: 'Only this contract’s deliveries.' },
    state: { type: 'string', value: '<state>', description: `Only this state: ${DELIVERY_STATES.join(', ')}.` },
    kind: {
      type: 'string',
      value: '<kind>',
      description: `Only this kind: ${DELIVERY_KINDS.join(', ')} (provider: the provider events).`,
    },
    limit: { type: 'string', value: '<n>', default: '100', description: 'At most this many (1–1000).' },
    ...REMOTE_OPTIONS,
    json: JSON_OR_TABLE,
  },
  async run(values, context) {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be 1–1000');
    const state = values.state as (typeof DELIVERY_STATES)[number] | undefined;
    if (state !== undefined && !DELIVERY_STATES.includes(state)) {
      throw new UsageError(`--state must be one of ${DELIVERY_STATES.join(', ')}`);
    }
    const kind = values.kind as (typeof DELIVERY_KINDS)[number] | undefined;
    if (kind !== undefined && !DELIVERY_KINDS.includes(kind)) {
      throw new UsageError(`--kind must be one of ${DELIVERY_KINDS.join(', ')}`);
    }
    const remote = adminRemote(values, context.env);
    let list: Delivery[];
    if (remote) {
      const search = query({
        'consumer-id': values.consumer,
        'contract-id': values.contract,
        state,
        kind,
        limit: String(limit),
      });
      list = await remote.request('GET', `/deliveries${search}`);
    } else {
      const { deliveryView } = await import('@finum-sync/server/operations');
      const stored = await withStore(context.env, (store) =>
        store.listDeliveries({
          limit,
          ...(values.consumer ? { consumerId: values.consumer } : {}),
          ...(values.contract ? { contractId: values.contract } : {}),
          ...(state ? { state } : {}),
          ...(kind ? { kind } : {}),
        }),
      );
      list = stored.map(deliveryView) as Delivery[];
    }
    printList(context, values, list, DELIVERY_COLUMNS);
    return 0;
  },
});

/** A value of an option that must be one of a list of words, when given. */
function oneOf<T extends string>(value: string | undefined, option: string, words: readonly T[]): T | undefined {
  if (value !== undefined && !(words as readonly string[]).includes(value)) {
    throw new UsageError(`--${option} must be one of ${words.join(', ')}`);
  }
  return value as T | undefined;
}

/** An option that must be an RFC 3339 time, when given: epoch milliseconds. */
function timeOption(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value)
    ? Date.parse(value)
    : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--${option} must be an RFC 3339 time, e.g. 2026-11-28T09:00:00Z`);
  return ms;
}

const AUDIT_COLUMNS: readonly Column<AuditEntry>[] = [
  ['at', (e) => e.at],
  ['actor', (e) => `${e.actor.kind} ${e.actor.name}`],
  ['action', (e) => e.action],
  ['target', (e) => (e.target.id === null ? e.target.type : `${e.target.type} ${e.target.id}`)],
];

export const auditCommand = defineCommand({
  path: ['audit'],
  summary: 'List the audit trail (who did what and when in the back office), newest first.',
  options: {
    action: { type: 'string', value: '<action>', description: `Only this action: ${AUDIT_ACTIONS.join(', ')}.` },
    actor: { type: 'string', value: '<kind>', description: `Only this kind of actor: ${ACTOR_KINDS.join(', ')}.` },
    'target-type': {
      type: 'string',
      value: '<type>',
      description: `Only this kind of target: ${AUDIT_TARGET_TYPES.join(', ')}.`,
    },
    target: { type: 'string', value: '<id>', description: 'Only actions on this consumer, contract or application.' },
    since: { type: 'string', value: '<time>', description: 'Only actions at or after this RFC 3339 time.' },
    limit: { type: 'string', value: '<n>', default: '100', description: 'At most this many (1–1000).' },
    ...REMOTE_OPTIONS,
    json: JSON_OR_TABLE,
  },
  examples: ['finum-sync audit --target acme-broker', 'finum-sync audit --action contract.status-set --limit 20'],
  async run(values, context) {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be 1–1000');
    const action = oneOf(values.action, 'action', AUDIT_ACTIONS);
    const actorKind = oneOf(values.actor, 'actor', ACTOR_KINDS);
    const targetType = oneOf(values['target-type'], 'target-type', AUDIT_TARGET_TYPES);
    const sinceMs = timeOption(values.since, 'since');
    const remote = adminRemote(values, context.env);
    let list: AuditEntry[];
    if (remote) {
      const search = query({
        action,
        'actor-kind': actorKind,
        'target-type': targetType,
        'target-id': values.target,
        since: values.since,
        limit: String(limit),
      });
      list = await remote.request('GET', `/audit${search}`);
    } else {
      const { auditView } = await import('@finum-sync/server/operations');
      const stored = await withStore(context.env, (store) =>
        store.listAudit({
          limit,
          ...(action ? { action } : {}),
          ...(actorKind ? { actorKind } : {}),
          ...(targetType ? { targetType } : {}),
          ...(values.target !== undefined ? { targetId: values.target } : {}),
          ...(sinceMs !== undefined ? { sinceMs } : {}),
        }),
      );
      list = stored.map(auditView) as AuditEntry[];
    }
    printList(context, values, list, AUDIT_COLUMNS);
    return 0;
  },
});

export const backOfficeCommands: Command[] = [
  importCommand,
  contractStatus,
  contractAttach,
  contractAwaiting,
  deliveries,
  auditCommand,
] as Command[];
