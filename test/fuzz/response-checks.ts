import { RECORD_TYPES, schemaName } from '@finum-sync/spec';
import { problemViolations, stackTraceIn } from '@finum-sync/validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import {
  type DocumentModel,
  deref,
  type Json,
  type OperationModel,
  type ResponseModel,
  refName,
} from './openapi-model.js';
import type { RawResponse } from './raw-http.js';

// ajv-formats is CommonJS with a default export.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => void;

/** Component names of the record schemas (`Client`, …) → record type. */
const RECORD_SCHEMAS = new Map<string, string>(RECORD_TYPES.map((t) => [schemaName(t), t]));

/**
 * Validates answers against an OpenAPI document with Ajv's JSON Schema 2020-12 build (the
 * dialect of OpenAPI 3.1), `$ref`s resolved against the document's components.
 */
export class ResponseValidator {
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly base: string;

  constructor(readonly model: DocumentModel) {
    this.ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addFormat('binary', true);
    this.ajv.addVocabulary(['components', 'example']);
    this.base = `urn:openapi:${model.name}`;
    this.ajv.addSchema({ $id: this.base, components: model.document.components ?? {} });
  }

  /** Errors of `value` against `schema` (a schema of the document), as readable lines. */
  errors(schema: Json, value: unknown): string[] {
    const text = JSON.stringify(schema);
    let validate = this.cache.get(text);
    if (!validate) {
      const local = JSON.parse(text.replaceAll('"#/components/', `"${this.base}#/components/`));
      validate = this.ajv.compile(typeof local === 'object' ? local : {});
      this.cache.set(text, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? [])
      .slice(0, 8)
      .map((e) => `${e.instancePath || '(body)'} ${e.message} ${JSON.stringify(e.params)}`);
  }
}

/** A media type of the document's `content` that matches a `Content-Type` (`*\/*` and `type/*` included). */
export function matchMediaType(documented: string[], contentType: string | undefined): string | undefined {
  const actual = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return documented.find((d) => {
    const [type, sub] = d.toLowerCase().split('/');
    const [aType, aSub] = actual.split('/');
    return (type === '*' || type === aType) && (sub === '*' || sub === aSub);
  });
}

/** Statuses any HTTP endpoint may answer with for a request that is broken below the API (parser, method). */
export const HTTP_LEVEL_STATUSES = new Set([400, 405, 408, 413, 414, 415, 431]);

/**
 * What the document says about an answer: the status is documented (or an HTTP-level
 * error), a 2xx body and documented headers match their schemas, and every other answer
 * except 304 is RFC 9457 problem+json whose `status` is the HTTP status.
 */
export function documentViolations(
  validator: ResponseValidator,
  op: OperationModel,
  res: RawResponse,
  methodIsDocumented: boolean,
): string[] {
  const out: string[] = [];
  const documented: ResponseModel | undefined = methodIsDocumented ? op.responses[String(res.status)] : undefined;
  if (res.status >= 500) out.push(`a ${res.status} (SPEC §2: never a 5xx for bad input)`);
  if (res.status >= 200 && res.status < 300) {
    if (!documented) return [...out, `${res.status} is not a documented answer of ${op.operationId}`];
    out.push(...bodyViolations(validator, documented, res), ...headerViolations(validator, documented, res));
    return out;
  }
  if (res.status === 304) {
    if (!documented) out.push(`304 is not a documented answer of ${op.operationId}`);
    if (res.body.length > 0) out.push('a 304 with a body');
    return out;
  }
  if (!documented && !HTTP_LEVEL_STATUSES.has(res.status))
    out.push(`${res.status} is not a documented answer of ${op.operationId}`);
  // RFC 9457 shape and no stack trace: the validator's checks (one set of response checks).
  let problem: Json;
  try {
    problem = JSON.parse(res.text);
  } catch {
    problem = undefined;
  }
  const shape = problemViolations({ status: res.status, headers: res.headers, json: problem });
  if (shape.length > 0)
    return [...out, ...shape.map((v) => `a ${res.status} problem: ${v} (${res.text.slice(0, 200)})`)];
  const trace = stackTraceIn(res.text);
  if (trace) out.push(`a stack trace or source path in the problem: ${trace}`);
  const problemSchema = documented?.content['application/problem+json'];
  if (problemSchema) out.push(...validator.errors(problemSchema, problem).map((e) => `problem body: ${e}`));
  return out;
}

function bodyViolations(validator: ResponseValidator, documented: ResponseModel, res: RawResponse): string[] {
  const types = Object.keys(documented.content);
  if (types.length === 0) return res.body.length > 0 ? ['a body where the document has none'] : [];
  const contentType = res.headers['content-type'];
  const media = matchMediaType(types, contentType);
  if (!media) return [`Content-Type '${contentType}' is not among ${types.join(', ')}`];
  const schema = documented.content[media];
  if (!/json/.test(contentType ?? '')) return [];
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return [`a body that is not JSON: ${res.text.slice(0, 200)}`];
  }
  return validator.errors(schema, body).map((e) => `body: ${e}`);
}

function headerViolations(validator: ResponseValidator, documented: ResponseModel, res: RawResponse): string[] {
  const out: string[] = [];
  for (const [name, schema] of Object.entries(documented.headers)) {
    const value = res.headers[name.toLowerCase()];
    if (value === undefined || name.toLowerCase() === 'content-type') continue;
    const resolved = deref(validator.model.document, schema);
    const typed = resolved?.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value;
    out.push(...validator.errors(schema, typed).map((e) => `header ${name}: ${e}`));
  }
  return out;
}

/**
 * The records (type and id) a 2xx body holds, found through the response schema: every
 * place the schema points at a record schema (`Client`, `Contract`, …); and the ids of
 * an id-list schema (`IdList`), whose type the caller does not know (`undefined`).
 */
export function recordsInBody(document: Json, schema: Json, body: unknown): Array<{ type?: string; id: string }> {
  const out: Array<{ type?: string; id: string }> = [];
  const walk = (s: Json, value: unknown, depth: number) => {
    if (!s || depth > 8 || value === null || value === undefined) return;
    const name = refName(s);
    if (name && RECORD_SCHEMAS.has(name) && typeof value === 'object' && typeof (value as Json).id === 'string') {
      out.push({ type: RECORD_SCHEMAS.get(name)!, id: (value as Json).id });
      return;
    }
    if (name === 'IdList' && Array.isArray(value)) {
      for (const id of value) if (typeof id === 'string') out.push({ id });
      return;
    }
    const r = deref(document, s);
    if (Array.isArray(value) && r?.items) for (const item of value) walk(r.items, item, depth + 1);
    else if (value && typeof value === 'object' && r?.properties) {
      for (const [key, sub] of Object.entries<Json>(r.properties)) walk(sub, (value as Json)[key], depth + 1);
    }
    for (const variant of [...(r?.anyOf ?? []), ...(r?.oneOf ?? [])]) walk(variant, value, depth + 1);
  };
  walk(schema, body, 0);
  return out;
}
