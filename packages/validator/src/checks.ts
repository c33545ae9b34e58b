import {
  EXTENSION_REGEX,
  ID_REGEX,
  metaFields,
  parseTimestamp,
  RECORD_TYPES,
  type RecordType,
  recordFields,
  recordSchema,
  TIMESTAMP_PATTERN,
  type TSchema,
} from '@finum-sync/spec';
import { Compile } from 'typebox/compile';
import type { RecordedResponse } from './model.js';

/**
 * Pure checks of single answers, shared by the rules (and usable by any test that wants
 * the validator's judgement of a response). Each returns the problems found, as sentences;
 * an empty list means the answer passed.
 */

const TIMESTAMP_REGEX = new RegExp(TIMESTAMP_PATTERN);

export const mediaType = (r: Pick<RecordedResponse, 'headers'>) =>
  (r.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

/** RFC 9457: `application/problem+json` with `type`, `title`, `detail` and `status` = the HTTP status. */
export function problemViolations(r: Pick<RecordedResponse, 'status' | 'headers' | 'json'>): string[] {
  const type = mediaType(r);
  if (type !== 'application/problem+json')
    return [`Content-Type is '${type || '(none)'}', not application/problem+json`];
  const body = r.json as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['the body is not a JSON object'];
  const out: string[] = [];
  if (body.status !== r.status) out.push(`'status' is ${JSON.stringify(body.status)}, the HTTP status ${r.status}`);
  for (const field of ['type', 'title', 'detail']) {
    if (typeof body[field] !== 'string' || !/\S/.test(body[field] as string)) out.push(`no '${field}' text`);
  }
  if (body.errors !== undefined) {
    const ok =
      Array.isArray(body.errors) &&
      body.errors.every(
        (e) => e && typeof e === 'object' && typeof (e as Record<string, unknown>).message === 'string',
      );
    if (!ok) out.push("'errors' is not a list of { field, message }");
  }
  return out;
}

export const isHtml = (r: RecordedResponse) =>
  mediaType(r) === 'text/html' || /^\s*(<!doctype html|<html)/i.test(r.text.slice(0, 200));

/** Traces of the implementation: stack frames, source paths, exception class names. */
const STACK_PATTERNS = [
  /\n\s+at \S/,
  /\bat [\w.]+ \([^)]*:\d+:\d+\)/,
  /node_modules[\\/]/,
  /\bTraceback \(most recent call last\)/,
  /\b(TypeError|ReferenceError|SyntaxError|NullPointerException|SQLSTATE|SqliteError):/,
  /[\\/][\w.-]+\.(js|mjs|cjs|ts|py|java|php|rb):\d+/,
  /\bError: /,
];

export function stackTraceIn(text: string): string | undefined {
  for (const pattern of STACK_PATTERNS) {
    const m = pattern.exec(text);
    if (m) return m[0].trim().slice(0, 80);
  }
  return undefined;
}

interface RecordCheckers {
  /** The type's own fields (standard fields, extension fields allowed, meta fields left to `metaViolations`). */
  fields: ReturnType<typeof Compile>;
  known: Set<string>;
}

const checkers = new Map<RecordType, RecordCheckers>();

function checkersFor(type: RecordType): RecordCheckers {
  let c = checkers.get(type);
  if (!c) {
    const schema = recordSchema(type) as TSchema & { properties: Record<string, TSchema>; required?: string[] };
    const properties = Object.fromEntries(
      Object.entries(schema.properties).filter(([key]) => !Object.hasOwn(metaFields, key)),
    );
    const fieldsOnly: TSchema = {
      ...schema,
      properties,
      required: Object.keys(properties),
      additionalProperties: true,
      patternProperties: {},
    };
    c = { fields: Compile(fieldsOnly), known: new Set(Object.keys(schema.properties)) };
    checkers.set(type, c);
  }
  return c;
}

/** The record's standard fields against the published schema of its type (presence, types, formats). */
export function schemaViolations(type: RecordType, record: unknown): string[] {
  const { fields } = checkersFor(type);
  if (fields.Check(record)) return [];
  return [...fields.Errors(record)]
    .slice(0, 5)
    .map((e) => `${(e as { instancePath: string }).instancePath || '(record)'} ${(e as { message: string }).message}`);
}

/** Fields that are neither standard nor extension (`_`) fields. */
export function unknownFields(type: RecordType, record: Record<string, unknown>): string[] {
  const { known } = checkersFor(type);
  return Object.keys(record).filter((k) => !known.has(k) && !EXTENSION_REGEX.test(k));
}

/** The five base fields of SPEC §2. */
export function metaViolations(record: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof record.id !== 'string' || !ID_REGEX.test(record.id))
    out.push(`'id' ${JSON.stringify(record.id)} is not an id`);
  for (const key of ['createdAt', 'updatedAt']) {
    const v = record[key];
    if (typeof v !== 'string' || !TIMESTAMP_REGEX.test(v) || parseTimestamp(v) === undefined)
      out.push(`'${key}' ${JSON.stringify(v)} is not an RFC 3339 UTC timestamp with milliseconds`);
  }
  if (!Number.isInteger(record.version) || (record.version as number) < 1)
    out.push(`'version' ${JSON.stringify(record.version)} is not an integer ≥ 1`);
  if (typeof record.deleted !== 'boolean') out.push(`'deleted' ${JSON.stringify(record.deleted)} is not a boolean`);
  if (out.length === 0 && (record.updatedAt as string) < (record.createdAt as string))
    out.push(`'updatedAt' lies before 'createdAt'`);
  return out;
}

/** The documented array fields (ids and names); every other standard field is a scalar. */
const ARRAY_FIELDS = new Set(
  RECORD_TYPES.flatMap((t) =>
    Object.entries(recordFields[t])
      .filter(([, d]) => (d.schema as { type?: string }).type === 'array')
      .map(([k]) => k),
  ),
);

/** Fields holding objects, or arrays where none is documented (SPEC §2: flat records). */
export function nestedFields(record: Record<string, unknown>): string[] {
  return Object.entries(record)
    .filter(([k, v]) => v !== null && typeof v === 'object' && !(Array.isArray(v) && ARRAY_FIELDS.has(k)))
    .map(([k]) => k);
}

/** Which of the five meta fields exist: every record type has them. */
export const META_FIELDS = Object.keys(metaFields);

const compiled = new Map<TSchema, ReturnType<typeof Compile>>();

/** A value against any schema of the spec package (AuthStatus, CallbackEvent…): the errors, as sentences. */
export function valueViolations(schema: TSchema, value: unknown): string[] {
  let check = compiled.get(schema);
  if (!check) {
    check = Compile(schema);
    compiled.set(schema, check);
  }
  if (check.Check(value)) return [];
  return [...check.Errors(value)]
    .slice(0, 5)
    .map((e) => `${(e as { instancePath: string }).instancePath || '(body)'} ${(e as { message: string }).message}`);
}
