import { accessSync, constants, createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import {
  ACTOR_KINDS,
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  DELIVERY_KINDS,
  DELIVERY_STATES,
} from '@finum-sync/spec/admin';
import { type Command, defineCommand, JSON_ALREADY, UsageError } from '../command.js';
import { readInput, STDIN } from '../input.js';
import { withStore } from '../store.js';

/**
 * The provider's back office from the command line (issue 3): what a provider's own
 * systems do, on the database the environment configures. Running servers pick the
 * changes up (callbacks from the outbox within a second).
 */

const json = (value: unknown) => JSON.stringify(value, null, 2);

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
  summary: 'Import records from NDJSON (bulk upsert; nothing applied when a line is wrong).',
  details: [
    'One record a line: the record as the API returns it, plus "recordType" (client, product, user or contract)',
    'and the owning "consumerId" (not for products); "deleted": true removes a record. Every line is checked',
    'first; errors are listed with their line numbers and nothing is applied. Prints what the import did.',
  ].join('\n'),
  options: {
    file: {
      type: 'string',
      value: '<ndjson-file>',
      required: true,
      description: 'The records, one JSON object a line (- for standard input).',
    },
    json: JSON_ALREADY,
  },
  examples: ['finum-sync import --file contracts.ndjson', 'gunzip -c export.ndjson.gz | finum-sync import --file -'],
  async run(values, { env, out }) {
    const file = readable(values.file, '--file');
    // The import reads its lines twice (check, then apply): standard input goes to a file first.
    const spool = file === STDIN ? mkdtempSync(join(tmpdir(), 'finum-import-')) : undefined;
    try {
      const path = spool ? join(spool, 'stdin.ndjson') : file;
      if (spool) await pipeline(process.stdin, createWriteStream(path));
      const { cliActor, coreContext, importRecords } = await import('@finum-sync/server/internal');
      const report = await withStore(env, (store, config) =>
        importRecords(
          coreContext(store, config),
          () => createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY }),
          cliActor(),
          file === STDIN ? 'standard input' : basename(file),
        ),
      );
      out(json(report));
      return 0;
    } finally {
      if (spool) rmSync(spool, { recursive: true, force: true });
    }
  },
});

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
    json: JSON_ALREADY,
  },
  examples: ['finum-sync contract status --id c-1042 --status 320 --contract-number POL-2026-1042'],
  async run(values, { env, out }) {
    const status = Number(values.status);
    if (!Number.isInteger(status)) throw new UsageError(`--status must be a status code, not '${values.status}'`);
    const { cliActor, coreContext, setContractStatus } = await import('@finum-sync/server/internal');
    const contract = await withStore(env, (store, config) =>
      setContractStatus(
        coreContext(store, config),
        values.id,
        {
          status,
          statusNote: nullable(values.note),
          contractNumber: nullable(values['contract-number']),
          endReason: nullable(values['end-reason']),
          startDate: nullable(values['start-date']),
          endDate: nullable(values['end-date']),
        },
        cliActor(),
      ),
    );
    out(json(contract.data));
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
    json: JSON_ALREADY,
  },
  examples: ['finum-sync contract attach --id c-1042 --file policy.pdf --category policy'],
  async run(values, { env, out }) {
    if (values.file === STDIN && values.name === undefined) {
      throw new UsageError('--file -: give the document’s file name with --name');
    }
    const bytes = readInput(values.file, 'file');
    const { cliActor, coreContext, attachContractFile } = await import('@finum-sync/server/internal');
    const { file, contract } = await withStore(env, (store, config) =>
      attachContractFile(
        coreContext(store, config),
        values.id,
        { bytes, filename: values.name ?? basename(values.file), declaredType: values.type },
        values.category,
        { asProposal: values.proposal },
        cliActor(),
      ),
    );
    out(json({ file: file.data, contract: contract?.data }));
    return 0;
  },
});

export const contractAwaiting = defineCommand({
  path: ['contract', 'awaiting'],
  summary: 'List the contracts waiting for the provider: proposals requested (120), orders placed (230).',
  options: {
    consumer: { type: 'string', value: '<consumer-id>', description: 'Only this consumer’s contracts.' },
    json: JSON_ALREADY,
  },
  async run(values, { env, out }) {
    const { AWAITING_PROVIDER_STATUSES } = await import('@finum-sync/spec');
    const contracts = await withStore(env, (store) =>
      store.contractsByStatus(AWAITING_PROVIDER_STATUSES, values.consumer ? { ownerId: values.consumer } : {}),
    );
    out(json(contracts.map((c) => c.data)));
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
    json: JSON_ALREADY,
  },
  async run(values, { env, out }) {
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
    const { deliveryView } = await import('@finum-sync/server/internal');
    const list = await withStore(env, (store) =>
      store.listDeliveries({
        limit,
        ...(values.consumer ? { consumerId: values.consumer } : {}),
        ...(values.contract ? { contractId: values.contract } : {}),
        ...(state ? { state } : {}),
        ...(kind ? { kind } : {}),
      }),
    );
    out(json(list.map(deliveryView)));
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
    json: JSON_ALREADY,
  },
  examples: ['finum-sync audit --target acme-broker', 'finum-sync audit --action contract.status-set --limit 20'],
  async run(values, { env, out }) {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be 1–1000');
    const action = oneOf(values.action, 'action', AUDIT_ACTIONS);
    const actorKind = oneOf(values.actor, 'actor', ACTOR_KINDS);
    const targetType = oneOf(values['target-type'], 'target-type', AUDIT_TARGET_TYPES);
    const sinceMs = timeOption(values.since, 'since');
    const { auditView } = await import('@finum-sync/server/internal');
    const list = await withStore(env, (store) =>
      store.listAudit({
        limit,
        ...(action ? { action } : {}),
        ...(actorKind ? { actorKind } : {}),
        ...(targetType ? { targetType } : {}),
        ...(values.target !== undefined ? { targetId: values.target } : {}),
        ...(sinceMs !== undefined ? { sinceMs } : {}),
      }),
    );
    out(json(list.map(auditView)));
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
