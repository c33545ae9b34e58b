import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { FieldError } from './problems.js';
import {
  EXTENSION_REGEX,
  fieldTable,
  metaFields,
  type RecordType,
  writableOnCreate,
  writableOnPatch,
} from './records.js';

type Check = (value: unknown) => FieldError[];

interface RawError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

const fieldName = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function messageOf(e: RawError): string {
  switch (e.keyword) {
    case 'enum':
      return `must be one of: ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(e.params.allowedValue)}`;
    case 'type':
      return `must be of type ${String(e.params.type)}`;
    case 'format':
      return `must be a valid ${String(e.params.format)}`;
    default:
      return e.message;
  }
}

const resolvePointer = (root: unknown, schemaPath: string): unknown =>
  schemaPath
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], root);

/**
 * Compiles a JSON Schema into a function returning the errors of a value as
 * `{ field, message }`, one per field, naming the field the way a consumer wrote it.
 * @example
 * compileCheck(ContractPatch)({ id: 'c-1', status: 320 }); // [{ field: 'status', message: 'must be one of: 120, 190, 230' }]
 */
export function compileCheck(schema: TSchema): Check {
  const compiled = Compile(schema);
  const nested = new Map<string, Check>();
  const check: Check = (value) => {
    if (compiled.Check(value)) return [];
    const byField = new Map<string, string>();
    const add = (field: string, message: string) => {
      if (!byField.has(field)) byField.set(field, message);
    };
    const raw = [...compiled.Errors(value)] as RawError[];
    // A nullable field fails both branches of its anyOf; report the non-null branch.
    const anyOfPaths = new Set(raw.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
    for (const e of raw) {
      const at = fieldName(e.instancePath);
      if (e.keyword === 'boolean') continue;
      if (e.keyword === 'additionalProperties') {
        for (const k of e.params.additionalProperties as string[]) add(join(at, k), 'is not a known field');
      } else if (e.keyword === 'required') {
        for (const k of e.params.requiredProperties as string[]) add(join(at, k), 'is required');
      } else if (e.keyword === 'if') {
        // The "then" of a conditional failed: run it alone for the precise errors.
        const path = `${e.schemaPath}/then`;
        let sub = nested.get(path);
        if (!sub) {
          sub = compileCheck(resolvePointer(schema, path) as TSchema);
          nested.set(path, sub);
        }
        for (const inner of sub(value)) add(inner.field, inner.message);
      } else if (e.keyword === 'anyOf') {
        add(at, 'has an invalid value');
      } else if (!(anyOfPaths.has(e.instancePath) && e.keyword === 'type' && e.params.type === 'null')) {
        add(at, messageOf(e));
      }
    }
    return [...byField].map(([field, message]) => ({ field, message }));
  };
  return check;
}

/**
 * Compiles a schema into a parser: the value typed as the schema's static type, or its
 * errors as {@link compileCheck} names them. Where a handler needs the checked value with
 * its type (not only the verdict), this replaces a cast.
 * @example
 * const parsed = compileParse(StatusChange)(request.body);
 * if (!parsed.ok) throw invalidBody(parsed.errors);
 * parsed.value.status; // a ContractStatus
 */
export function compileParse<T extends TSchema>(
  schema: T,
): (value: unknown) => { ok: true; value: Static<T> } | { ok: false; errors: FieldError[] } {
  const compiled = Compile(schema);
  const errorsOf = compileCheck(schema);
  return (value) => (compiled.Check(value) ? { ok: true, value } : { ok: false, errors: errorsOf(value) });
}

/**
 * Names the fields of a write the consumer may not send: unknown ones, and read-only
 * ones (meta fields, provider fields, create-only fields in a PATCH). `_` extension
 * fields are always accepted.
 * @example
 * checkWriteFields('contract', 'patch', { id: 'c-1', holderId: 'cl-2' }); // [{ field: 'holderId', message: 'cannot be changed after creation' }]
 */
export function checkWriteFields(
  type: RecordType,
  mode: 'create' | 'patch',
  body: Record<string, unknown>,
): FieldError[] {
  const writable = new Set(mode === 'create' ? writableOnCreate(type) : ['id', 'version', ...writableOnPatch(type)]);
  const known = fieldTable(type);
  const errors: FieldError[] = [];
  for (const key of Object.keys(body)) {
    if (writable.has(key)) continue;
    if (key.startsWith('_')) {
      if (!EXTENSION_REGEX.test(key)) {
        errors.push({ field: key, message: 'extension field names are `_` and 1–63 letters, digits or `_`' });
      }
      continue;
    }
    if (Object.hasOwn(metaFields, key) || Object.hasOwn(known, key)) {
      const def = known[key];
      const why =
        def?.access === 'create-only' ? 'cannot be changed after creation' : 'is read-only (set by the provider)';
      errors.push({ field: key, message: why });
    } else {
      errors.push({ field: key, message: 'is not a known field (extension fields start with `_`)' });
    }
  }
  return errors;
}
