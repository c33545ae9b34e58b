import { CONFORMS } from './generated/conforms.js';
import { SCHEMAS } from './generated/spec-data.js';

/**
 * A checker for the subset of JSON Schema the spec's record, id-list, auth-status and
 * callback schemas use (see `SUPPORTED_KEYWORDS`; test/schemas.test.ts fails if the spec
 * starts using another keyword). Why not a JSON Schema library: the well-kept ones either
 * compile with `new Function` (refused by edge runtimes and strict CSPs) or weigh more than
 * the whole rest of the SDK; the records are flat, so the subset is small.
 */
export interface JsonSchema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly pattern?: string;
  readonly format?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maxItems?: number;
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly patternProperties?: Readonly<Record<string, JsonSchema>>;
  readonly additionalProperties?: boolean;
}

export const SUPPORTED_KEYWORDS = [
  'type',
  'enum',
  'const',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maxItems',
  'items',
  'anyOf',
  'required',
  'properties',
  'patternProperties',
  'additionalProperties',
] as const;

/**
 * A place where a value departs from its schema: a field path and what is wrong.
 *
 * @example
 * catch (e) {
 *   if (!(e instanceof FinumResponseError)) throw e;
 *   const first: SchemaViolation | undefined = e.violations[0]; // { path: '[0].status', message: … }
 *   console.warn(`off-schema answer at ${first?.path}: ${first?.message}`);
 * }
 */
export interface SchemaViolation {
  path: string;
  message: string;
}

const FORMATS: Record<string, RegExp> = {
  date: /^\d{4}-\d{2}-\d{2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  email: /^[^\s@]+@[^\s@]+$/,
};

const regexCache = new Map<string, RegExp>();
const regex = (source: string) => {
  let r = regexCache.get(source);
  if (!r) {
    r = new RegExp(source);
    regexCache.set(source, r);
  }
  return r;
};

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    default:
      return typeof value === type;
  }
}

type Conforms = (value: unknown, open: boolean) => boolean;

const compiled = new WeakMap<JsonSchema, Conforms>();
// The spec's own schemas have their fast path generated ahead of time (scripts/emit-conforms.js):
// named property reads and the patterns as character loops, several times faster than closures.
for (const [name, schema] of Object.entries(SCHEMAS)) {
  const conforms = CONFORMS[name];
  if (conforms) compiled.set(schema, conforms);
}

/**
 * Compiles a schema into one specialized closure answering "does it conform?" without
 * allocating: the fast path for 1,000-record answers (closures, not generated code: no
 * `new Function`). {@link violations} is the slow path that says what is wrong.
 */
function compile(schema: JsonSchema): Conforms {
  let conforms = compiled.get(schema);
  if (!conforms) {
    conforms = build(schema);
    compiled.set(schema, conforms);
  }
  return conforms;
}

function build(schema: JsonSchema): Conforms {
  if (schema.anyOf) {
    const branches = schema.anyOf.map(compile);
    const nullable = schema.anyOf.findIndex((b) => b.type === 'null' && Object.keys(b).length === 1);
    if (branches.length === 2 && nullable !== -1) {
      const other = branches[1 - nullable]!;
      return (v, open) => v === null || other(v, open);
    }
    return (v, open) => branches.some((branch) => branch(v, open));
  }
  const allowed = schema.enum ? new Set(schema.enum) : undefined;
  const constant = schema.const;
  const valueOk = (v: unknown) =>
    (allowed === undefined || allowed.has(v)) && (constant === undefined || v === constant);
  switch (schema.type) {
    case 'string': {
      const min = schema.minLength ?? 0;
      const max = schema.maxLength ?? Number.POSITIVE_INFINITY;
      const pattern = schema.pattern ? regex(schema.pattern) : undefined;
      // A pattern (the spec's timestamps have one) is stricter than the format: one regex is enough.
      const format = !pattern && schema.format ? FORMATS[schema.format] : undefined;
      return (v) =>
        typeof v === 'string' &&
        v.length >= min &&
        v.length <= max &&
        (pattern === undefined || pattern.test(v)) &&
        (format === undefined || format.test(v)) &&
        valueOk(v);
    }
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? Number.NEGATIVE_INFINITY;
      const integer = schema.type === 'integer';
      return (v) => typeof v === 'number' && (!integer || Number.isInteger(v)) && v >= min && valueOk(v);
    }
    case 'boolean':
      return (v) => typeof v === 'boolean' && valueOk(v);
    case 'null':
      return (v) => v === null;
    case 'array': {
      const item = schema.items ? compile(schema.items) : undefined;
      const max = schema.maxItems ?? Number.POSITIVE_INFINITY;
      return (v, open) => {
        if (!Array.isArray(v) || v.length > max) return false;
        if (item) for (let i = 0; i < v.length; i++) if (!item(v[i], open)) return false;
        return true;
      };
    }
    case 'object': {
      const required = new Set(schema.required ?? []);
      // Parallel arrays walked by index: the hot loop of a 1,000-record answer.
      const names = Object.keys(schema.properties ?? {});
      const checks = names.map((key) => compile(schema.properties![key]!));
      const mandatory = names.map((key) => required.has(key));
      const properties = new Set(Object.keys(schema.properties ?? {}));
      const requiredElsewhere = [...required].filter((key) => !properties.has(key));
      const patterned = Object.entries(schema.patternProperties ?? {}).map(
        ([p, sub]) => [regex(p), compile(sub)] as const,
      );
      const closed = schema.additionalProperties === false;
      return (v, open) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
        const record = v as Record<string, unknown>;
        for (const key of requiredElsewhere) if (!Object.hasOwn(record, key)) return false;
        // The known fields by the schema's list (no per-key map lookups), then only the rest.
        let known = 0;
        for (let i = 0; i < names.length; i++) {
          const key = names[i]!;
          const value = record[key];
          if (value === undefined && !Object.hasOwn(record, key)) {
            if (mandatory[i]) return false;
            continue;
          }
          known++;
          if (!checks[i]!(value, open)) return false;
        }
        let total = 0;
        for (const _ in record) total++;
        if (total === known) return true;
        for (const key of Object.keys(record)) {
          if (properties.has(key)) continue;
          const match = patterned.find(([r]) => r.test(key));
          if (match) {
            if (!match[1](record[key], open)) return false;
          } else if (closed && !open) return false;
        }
        return true;
      };
    }
    default:
      return (v) => valueOk(v);
  }
}

/**
 * The violations of `value` against `schema` (empty when it conforms). With `open`,
 * unknown properties pass (`additionalProperties: false` is ignored): for events whose
 * producers may add fields.
 */
export function checkSchema(schema: JsonSchema, value: unknown, open = false): SchemaViolation[] {
  // Conforming answers (the rule) take the compiled path; the walk below names what is wrong.
  return compile(schema)(value, open) ? [] : violations(schema, value, open, '');
}

/** Whether `value` conforms, by the walk that names violations (tests compare the fast paths with it). */
export const conformsBySchemaWalk = (schema: JsonSchema, value: unknown, open = false): boolean =>
  violations(schema, value, open, '').length === 0;

function violations(schema: JsonSchema, value: unknown, open: boolean, path: string): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  const fail = (message: string) => out.push({ path: path || '(root)', message });
  if (schema.anyOf) {
    if (!schema.anyOf.some((branch) => violations(branch, value, open, path).length === 0)) {
      fail('matches none of the allowed forms');
    }
    return out;
  }
  if (schema.type && !typeMatches(schema.type, value)) {
    fail(`must be of type ${schema.type}`);
    return out;
  }
  if (schema.const !== undefined && value !== schema.const) fail(`must be ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) fail(`must be one of ${schema.enum.join(', ')}`);
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) fail(`is shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) fail(`is longer than ${schema.maxLength}`);
    if (schema.pattern && !regex(schema.pattern).test(value)) fail(`does not match ${schema.pattern}`);
    const format = schema.format && FORMATS[schema.format];
    if (format && !format.test(value)) fail(`is not a valid ${schema.format}`);
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) {
    fail(`is below ${schema.minimum}`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) fail(`has more than ${schema.maxItems} items`);
    if (schema.items) {
      const items = schema.items;
      value.forEach((item, i) => {
        out.push(...violations(items, item, open, `${path}[${i}]`));
      });
    }
  }
  if (schema.type === 'object' && typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const at = (key: string) => (path ? `${path}.${key}` : key);
    for (const key of schema.required ?? [])
      if (!Object.hasOwn(record, key)) out.push({ path: at(key), message: 'is missing' });
    for (const [key, field] of Object.entries(record)) {
      const known = schema.properties?.[key];
      if (known) {
        out.push(...violations(known, field, open, at(key)));
        continue;
      }
      const patterned = Object.entries(schema.patternProperties ?? {}).find(([p]) => regex(p).test(key));
      if (patterned) out.push(...violations(patterned[1], field, open, at(key)));
      else if (schema.additionalProperties === false && !open)
        out.push({ path: at(key), message: 'is not a field of the schema' });
    }
  }
  return out;
}
