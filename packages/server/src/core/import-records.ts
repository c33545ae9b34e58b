import {
  compileCheck,
  type FieldError,
  formatTimestamp,
  ProblemError,
  RECORD_TYPES,
  REFERENCE_FIELDS,
  type RecordType,
} from '@finum-sync/spec';
import { IMPORT_REQUIRED_ON_CREATE, IMPORT_TYPES, type ImportType, importLineSchema } from '@finum-sync/spec/admin';
import type { Actor, StoredRecord, StoreTx } from '../store/port.js';
import { PUBLIC_OWNER } from '../store/port.js';
import { audit } from './audit.js';
import type { CoreContext } from './context.js';
import { jsonValueProblem, MAX_JSON_DEPTH } from './json-values.js';
import { composeRecord, fieldsOf, nextVersion } from './records.js';
import { applyChanges, commitWrite, type WriteEffects } from './write.js';

export interface ImportReport {
  lines: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  statusChanges: number;
}

/** At most this many line errors are reported (the count says how many there were). */
const MAX_REPORTED = 200;
const BATCH = 500;

const checks = Object.fromEntries(IMPORT_TYPES.map((t) => [t, compileCheck(importLineSchema(t))])) as Record<
  ImportType,
  ReturnType<typeof compileCheck>
>;

interface Line {
  line: number;
  type: ImportType;
  owner: string;
  data: Record<string, unknown>;
}

/** Parses and validates one NDJSON line; returns its errors, or the line. */
function parseLine(text: string, line: number, consumers: ReadonlySet<string>): Line | FieldError[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return [{ line, field: '', message: `not valid JSON (${(e as Error).message})` }];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ line, field: '', message: 'must be a JSON object' }];
  }
  const found = jsonValueProblem(value, MAX_JSON_DEPTH);
  if (found) {
    const message =
      found.kind === 'nul' ? 'must not contain a NUL character' : `nests deeper than ${MAX_JSON_DEPTH} levels`;
    return [{ line, field: found.kind === 'nul' ? found.field : '', message }];
  }
  const data = value as Record<string, unknown>;
  const type = data.recordType as ImportType;
  if (!IMPORT_TYPES.includes(type)) {
    return [
      {
        line,
        field: 'recordType',
        message: `must be one of: ${IMPORT_TYPES.join(', ')} (files are attached one by one)`,
      },
    ];
  }
  const errors = checks[type](data).map((e) => ({ line, ...e }));
  const owner = type === 'product' ? PUBLIC_OWNER : String(data.consumerId ?? '');
  if (type !== 'product' && typeof data.consumerId === 'string' && !consumers.has(owner)) {
    errors.push({ line, field: 'consumerId', message: `no consumer '${owner}'` });
  }
  return errors.length > 0 ? errors : { line, type, owner, data };
}

export class ImportError extends ProblemError {
  constructor(errors: FieldError[], total: number) {
    const shown = errors.slice(0, MAX_REPORTED);
    const summary = shown
      .slice(0, 5)
      .map((e) => `line ${e.line}: ${e.field ? `${e.field} ` : ''}${e.message}`)
      .join('; ');
    super('invalid-body', `The import has ${total} error${total === 1 ? '' : 's'}; nothing was applied. ${summary}`, {
      errors: shown,
      extra: { errorCount: total },
    });
  }
}

/**
 * A provider's bulk upsert from NDJSON (one record a line). Two passes over the source:
 * every line is validated first and all errors are reported with their line numbers;
 * only an import without errors is applied, in one transaction — nothing half-applied.
 * Records merge with what is stored (`null` clears); unchanged records keep their
 * version; a changed contract status enqueues its callbacks like any status change.
 */
export async function importRecords(
  ctx: CoreContext,
  open: () => AsyncIterable<string>,
  by: Actor,
  source?: string,
): Promise<ImportReport> {
  const consumers = new Set((await ctx.store.listConsumers()).map((c) => c.id));
  const errors: FieldError[] = [];
  const owners = new Set<string>();
  let total = 0;
  let lineNo = 0;
  for await (const text of open()) {
    lineNo++;
    if (text.trim() === '') continue;
    const parsed = parseLine(text, lineNo, consumers);
    if (Array.isArray(parsed)) {
      total += parsed.length;
      if (errors.length < MAX_REPORTED) errors.push(...parsed);
    } else if (owners.size <= MAX_REPORTED && parsed.owner !== PUBLIC_OWNER) owners.add(parsed.owner);
  }
  if (total > 0) throw new ImportError(errors, total);

  const report: ImportReport = { lines: 0, created: 0, updated: 0, unchanged: 0, deleted: 0, statusChanges: 0 };
  await commitWrite(ctx, async (tx, effects) => {
    const references: Reference[] = [];
    let batch: Line[] = [];
    let n = 0;
    for await (const text of open()) {
      n++;
      if (text.trim() === '') continue;
      const line = parseLine(text, n, consumers) as Line;
      batch.push(line);
      references.push(...referencesOf(line));
      if (batch.length === BATCH) {
        await applyBatch(tx, effects, batch, report);
        batch = [];
      }
    }
    await applyBatch(tx, effects, batch, report);
    // Lines may refer to records further down: check once everything is written.
    await checkReferences(tx, references);
    await audit(tx, by, {
      action: 'records.imported',
      targetType: 'import',
      targetId: null,
      detail: { ...report, consumerIds: [...owners].sort(), ...(source ? { source } : {}) },
    });
  });
  return report;
}

/** A reference a line makes: to a record of the same consumer (clients, users) or to a product. */
interface Reference {
  line: number;
  field: string;
  type: RecordType;
  id: string;
  owner: string;
}

function referencesOf({ line, type, owner, data }: Line): Reference[] {
  return (Object.entries(REFERENCE_FIELDS[type]) as [string, RecordType][])
    .filter(([field]) => typeof data[field] === 'string')
    .map(([field, target]) => ({ line, field, type: target, id: String(data[field]), owner }));
}

/**
 * Every reference must point at a record the consumer may see (SPEC §4): its own client or
 * user, or a product — never another consumer's record, whose id would then show.
 */
async function checkReferences(tx: StoreTx, references: Reference[]) {
  const errors: FieldError[] = [];
  for (const type of RECORD_TYPES.filter((t) => references.some((r) => r.type === t))) {
    const of = references.filter((r) => r.type === type);
    for (let i = 0; i < of.length; i += BATCH) {
      const chunk = of.slice(i, i + BATCH);
      const found = await tx.getRecords(type, [...new Set(chunk.map((r) => r.id))]);
      for (const r of chunk) {
        const target = found.get(r.id);
        const owner = type === 'product' ? PUBLIC_OWNER : r.owner;
        if (!target || target.ownerId !== owner) {
          errors.push({ line: r.line, field: r.field, message: `no ${type} ${r.id} of this consumer` });
        }
      }
    }
  }
  if (errors.length > 0) throw new ImportError(errors.slice(0, MAX_REPORTED), errors.length);
}

/** Runs `compose` for a line; a record over the size limit (413) says on which line it is. */
function onLine(line: number, compose: () => StoredRecord): StoredRecord {
  try {
    return compose();
  } catch (error) {
    if (error instanceof ProblemError && error.code === 'payload-too-large') {
      throw new ProblemError(error.code, `Line ${line}: ${error.message}`, { extra: { ...error.extra, line } });
    }
    throw error;
  }
}

async function applyBatch(tx: StoreTx, effects: WriteEffects, lines: Line[], report: ImportReport) {
  const current = new Map<string, StoredRecord>();
  for (const type of IMPORT_TYPES) {
    const ids = lines.filter((l) => l.type === type).map((l) => String(l.data.id));
    if (ids.length === 0) continue;
    for (const [id, record] of await tx.getRecords(type, ids)) current.set(`${type}:${id}`, record);
  }
  const puts = new Map<string, StoredRecord>();
  const statusChanges: Array<[StoredRecord, number]> = [];
  for (const { line, type, owner, data } of lines) {
    report.lines++;
    const { recordType: _t, id, consumerId: _c, deleted, ...fields } = data;
    const key = `${type}:${String(id)}`;
    const existing = puts.get(key) ?? current.get(key);
    let next: StoredRecord;
    if (!existing) {
      const missing = IMPORT_REQUIRED_ON_CREATE[type].filter((f) => fields[f] === undefined || fields[f] === null);
      if (missing.length > 0) {
        throw new ImportError(
          missing.map((field) => ({ line, field, message: `is required for a new ${type}` })),
          missing.length,
        );
      }
      const now = tx.nowMs;
      const defaults =
        type === 'contract'
          ? { statusChangedAt: formatTimestamp(now), fileIdList: [] }
          : type === 'product' || type === 'user'
            ? { active: true }
            : {};
      next = onLine(line, () =>
        composeRecord(
          type,
          { id: String(id), ownerId: owner, version: 1, createdMs: now, updatedMs: now, deleted: deleted === true },
          { ...defaults, ...fields },
        ),
      );
      report.created++;
    } else {
      if (existing.ownerId !== owner) {
        throw new ImportError(
          [{ line, field: 'consumerId', message: `the ${type} ${String(id)} belongs to another consumer` }],
          1,
        );
      }
      const changes = { ...fields };
      const statusChanged =
        type === 'contract' && fields.status !== undefined && fields.status !== existing.data.status;
      if (statusChanged && fields.statusChangedAt === undefined) changes.statusChangedAt = formatTimestamp(tx.nowMs);
      const wantsDeleted = deleted === undefined ? existing.deleted : deleted === true;
      next = onLine(line, () =>
        wantsDeleted !== existing.deleted
          ? nextVersion(existing, { ...fieldsOf(existing), ...changes }, tx.nowMs, wantsDeleted)
          : applyChanges(existing, changes, tx.nowMs),
      );
      if (next === existing) {
        report.unchanged++;
        continue;
      }
      if (wantsDeleted && !existing.deleted) report.deleted++;
      else report.updated++;
      if (statusChanged) statusChanges.push([next, existing.data.status as number]);
    }
    puts.set(key, next);
  }
  await tx.putRecords([...puts.values()]);
  for (const [contract, from] of statusChanges) await effects.statusChanged(tx, contract, from, 'provider');
  report.statusChanges += statusChanges.length;
}
