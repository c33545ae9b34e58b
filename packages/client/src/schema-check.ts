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

/** A place where a value departs from its schema: a field path and what is wrong. */
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
    r = new RegExp(source, 'u');
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

/**
 * The violations of `value` against `schema` (empty when it conforms). With `open`,
 * unknown properties pass (`additionalProperties: false` is ignored): for events whose
 * producers may add fields.
 */
export function checkSchema(schema: JsonSchema, value: unknown, open = false, path = ''): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  const fail = (message: string) => out.push({ path: path || '(root)', message });
  if (schema.anyOf) {
    if (!schema.anyOf.some((branch) => checkSchema(branch, value, open, path).length === 0)) {
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
        out.push(...checkSchema(items, item, open, `${path}[${i}]`));
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
        out.push(...checkSchema(known, field, open, at(key)));
        continue;
      }
      const patterned = Object.entries(schema.patternProperties ?? {}).find(([p]) => regex(p).test(key));
      if (patterned) out.push(...checkSchema(patterned[1], field, open, at(key)));
      else if (schema.additionalProperties === false && !open)
        out.push({ path: at(key), message: 'is not a field of the schema' });
    }
  }
  return out;
}
