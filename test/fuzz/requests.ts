import fc from 'fast-check';
import { deref, type Json, type OperationModel, type ParameterModel } from './openapi-model.js';
import type { RawRequest } from './raw-http.js';
import { idArbitrary, idKindOf, isIdListParam, isIdSchema, type ValueContext, validValue } from './schema-values.js';
import { ADMIN_TOKEN, type Party, type World } from './world.js';

/**
 * Requests generated from an operation of an OpenAPI document: valid ones, and ones with
 * exactly one aspect broken (a parameter, the body, the credentials, the method, the
 * content type, or the bytes on the wire) — so that each answer can be judged.
 */
export interface FuzzRequest extends RawRequest {
  operation: OperationModel;
  /** The consumer whose visibility applies (its token is sent), if any. */
  as: Party | undefined;
  /** What was broken on purpose; empty for a request the document calls valid. */
  mutations: string[];
}

type Aspect = 'param' | 'body' | 'auth' | 'method' | 'content-type' | 'wire';

/** Characters and shapes that break naive parsers, for any string parameter. */
const ODD_STRINGS: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    ',',
    ',,,',
    'a b',
    ' padded ',
    'ü',
    'Ω≈ç√',
    '😀',
    '\u0000',
    '\t',
    '\r\n',
    'a\u0001b',
    '\u007f',
    '%',
    '%00',
    '%ZZ',
    '../../etc/passwd',
    "' OR '1'='1",
    '<script>alert(1)</script>',
    'null',
    '[]',
    '{"a":1}',
    '-1',
    '0',
    '1e309',
    '\uD800',
    '\u202Eevil',
  ),
  fc.constantFrom(65, 256, 5_000, 70_000).map((n) => 'a'.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** `since` values: future ones are computed when generated. */
const ODD_TIMESTAMPS: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(61_000, 120_000, 86_400_000, 365 * 86_400_000).map((ms) => new Date(Date.now() + ms).toISOString()),
  // Within the 60 s the provider tolerates: valid.
  fc.constant(10_000).map((ms) => new Date(Date.now() + ms).toISOString()),
  fc.constantFrom(
    '2026-02-31T00:00:00.000Z',
    '2026-13-01T00:00:00.000Z',
    '2026-01-01T24:00:00.000Z',
    '2026-01-01T00:00:60.000Z',
    '2026-01-01',
    '2026-01-01T00:00:00',
    '2026-01-01t00:00:00z',
    '2026-01-01 00:00:00Z',
    '+275760-09-13T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '0000-01-01T00:00:00.000Z',
    '1700000000',
    'yesterday',
    'now',
    '2026-01-01T00:00:00.000000000001Z',
    '2026-01-01T00:00:00+25:00',
  ),
  ODD_STRINGS,
);

/** Comma-separated id lists: 0, 1, a few, 1000 and 1001 entries; spaces, empty entries, duplicates. */
function idListArbitrary(ctx: ValueContext, kind: ReturnType<typeof idKindOf>): fc.Arbitrary<string> {
  const id = idArbitrary(ctx, kind, { name: 'id-list' });
  return fc
    .tuple(
      fc.oneof(
        { weight: 6, arbitrary: fc.array(id, { minLength: 1, maxLength: 6 }) },
        { weight: 1, arbitrary: fc.constant([] as string[]) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(1000, 1001).chain((n) => fc.array(id, { minLength: n, maxLength: n })),
        },
        { weight: 1, arbitrary: fc.constant(999).chain((n) => fc.array(id, { minLength: n, maxLength: n })) },
      ),
      fc.constantFrom('plain', 'spaces', 'empties', 'duplicates'),
    )
    .map(([ids, shape]) => {
      if (shape === 'spaces') return ids.map((i) => ` ${i} `).join(',');
      if (shape === 'empties') return `,${ids.join(',,')},`;
      if (shape === 'duplicates') return [...ids, ...ids].join(',');
      return ids.join(',');
    });
}

/** Well-known request headers whose values mean something (HTTP semantics, not per endpoint). */
function headerValues(ctx: ValueContext, name: string): fc.Arbitrary<string> | undefined {
  switch (name.toLowerCase()) {
    case 'range':
      return fc.oneof(
        fc.constantFrom('bytes=0-0', 'bytes=0-9', 'bytes=-5', 'bytes=5-', 'bytes=0-1,3-4', 'bytes=1-0', 'bytes=-0'),
        fc.constantFrom('bytes=999999-', 'bytes=abc', 'items=0-1', 'bytes=', 'bytes=0-99999999999999999999'),
        fc.tuple(fc.nat(200), fc.nat(200)).map(([a, b]) => `bytes=${a}-${a + b}`),
      );
    case 'if-none-match':
      return fc.oneof(
        fc.constantFrom(...ctx.world.etags),
        fc.constantFrom(...ctx.world.etags).map((e) => `W/${e}`),
        fc.constantFrom('*', '"nope"', 'garbage', `"x", ${ctx.world.etags[0]}`),
      );
    case 'idempotency-key':
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc.string({ minLength: 1, maxLength: 40 }).filter((k) => k.trim() === k && k.length > 0),
        },
        { weight: 3, arbitrary: fc.constantFrom('fz-key-1', 'fz-key-2', 'fz-key-3') },
        { weight: 1, arbitrary: fc.constant('k'.repeat(255)) },
      );
    default:
      return undefined;
  }
}

const ODD_HEADER_VALUES: Record<string, fc.Arbitrary<string>> = {
  'idempotency-key': fc.constantFrom('', ' ', 'k'.repeat(256), 'ü-key', 'a\tb', 'x'.repeat(5000)),
};

function validParam(ctx: ValueContext, op: OperationModel, param: ParameterModel): fc.Arbitrary<string> {
  const schema = deref(ctx.document, param.schema);
  const place = { name: param.name, description: param.description, context: op.path };
  if (param.in === 'header') {
    const known = headerValues(ctx, param.name);
    if (known) return known;
  }
  if (isIdListParam(param.name, schema)) return idListArbitrary(ctx, idKindOf(place));
  if (isIdSchema(schema)) return idArbitrary(ctx, idKindOf(place), place);
  return validValue(ctx, param.schema, place).map((v) => String(v));
}

function invalidParam(ctx: ValueContext, param: ParameterModel): fc.Arbitrary<string> {
  const schema = deref(ctx.document, param.schema);
  const odd = ODD_HEADER_VALUES[param.name.toLowerCase()];
  if (param.in === 'header') return odd ? fc.oneof(odd, ODD_STRINGS) : ODD_STRINGS;
  if (schema?.format === 'date-time') return ODD_TIMESTAMPS;
  if (schema?.type === 'integer') {
    return fc.oneof(
      fc.constantFrom('-1', '1.5', '1e3', 'abc', '99999999999999999999', '0x10', ''),
      fc
        .constantFrom(schema.minimum, schema.maximum)
        .map((b: number | undefined) => String((b ?? 0) + (b === schema.minimum ? -1 : 1))),
    );
  }
  if (Array.isArray(schema?.enum))
    return fc.oneof(fc.constantFrom(...schema.enum.map((v: unknown) => `${String(v).toUpperCase()}x`)), ODD_STRINGS);
  return ODD_STRINGS;
}

/** Percent-encodes every byte of the UTF-8 form except unreserved characters (and `,`, as browsers keep it). */
export function encodeQueryValue(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~,]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

interface ParamPlan {
  /** Query pairs in order (a name may repeat). */
  query: Array<[string, string]>;
  headers: Array<[string, string]>;
  path: Record<string, string>;
  notes: string[];
}

function paramsArbitrary(ctx: ValueContext, op: OperationModel, broken: boolean): fc.Arbitrary<ParamPlan> {
  const params = op.parameters;
  // List endpoints take exactly one filter ("Exactly one filter per call"): pick one of them.
  const filters = /-list$/.test(op.path) ? params.filter((p) => p.in === 'query' && !p.required) : [];
  const perParam = params.map((param) =>
    fc.record({
      present: param.required || filters.includes(param) ? fc.constant(true) : fc.boolean(),
      value: validParam(ctx, op, param),
    }),
  );
  const plain = fc.tuple(fc.tuple(...perParam), fc.nat(Math.max(0, filters.length - 1))).map(([values, chosen]) =>
    values.map((v, i) => ({
      ...v,
      present: v.present && (!filters.includes(params[i]!) || filters[chosen] === params[i]),
    })),
  );
  const breakers: fc.Arbitrary<(plan: ParamPlan) => void>[] = [];
  if (broken) {
    for (const param of params) {
      breakers.push(
        invalidParam(ctx, param).map((value) => (plan: ParamPlan) => {
          setParam(plan, param, value);
          plan.notes.push(`${param.in} ${param.name}: invalid value`);
        }),
      );
      if (param.required) {
        breakers.push(
          fc.constant((plan: ParamPlan) => {
            removeParam(plan, param);
            plan.notes.push(`${param.in} ${param.name}: missing`);
          }),
        );
      }
      if (param.in === 'query') {
        breakers.push(
          validParam(ctx, op, param).map((value) => (plan: ParamPlan) => {
            plan.query.push([param.name, value]);
            plan.notes.push(`query ${param.name}: given twice`);
          }),
        );
      }
    }
    breakers.push(
      fc
        .tuple(fc.constantFrom('unknown', 'ID-LIST', 'since ', 'id-list[]', ''), ODD_STRINGS)
        .map(([name, value]) => (plan: ParamPlan) => {
          plan.query.push([name, value]);
          plan.notes.push(`query: unknown parameter '${name}'`);
        }),
    );
    if (op.path.includes('-list')) {
      // Every filter at once, or none.
      breakers.push(
        fc.constant((plan: ParamPlan) => {
          plan.query = [];
          plan.notes.push('query: no parameter');
        }),
      );
    }
  }
  const breaker = breakers.length > 0 ? fc.oneof(...breakers) : fc.constant(undefined);
  return fc.tuple(plain, breaker).map(([values, brk]) => {
    const plan: ParamPlan = { query: [], headers: [], path: {}, notes: [] };
    params.forEach((param, i) => {
      const v = values[i]!;
      if (v.present) setParam(plan, param, v.value);
    });
    if (brk) brk(plan);
    return plan;
  });
}

function setParam(plan: ParamPlan, param: ParameterModel, value: string) {
  removeParam(plan, param);
  if (param.in === 'query') plan.query.push([param.name, value]);
  else if (param.in === 'header') plan.headers.push([param.name, value]);
  else plan.path[param.name] = value;
}

function removeParam(plan: ParamPlan, param: ParameterModel) {
  if (param.in === 'query') plan.query = plan.query.filter(([n]) => n !== param.name);
  else if (param.in === 'header')
    plan.headers = plan.headers.filter(([n]) => n.toLowerCase() !== param.name.toLowerCase());
  else delete plan.path[param.name];
}

interface BodyPlan {
  contentType: string | undefined;
  body: Buffer | undefined;
  notes: string[];
}

const deepNesting = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Mutations of a JSON value, named after what they break. */
function mutateJson(value: unknown, schema: Json, document: Json): fc.Arbitrary<{ text: string; note: string }> {
  const obj = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const resolved = deref(document, schema);
  const keys = Object.keys(resolved?.properties ?? {});
  const required: string[] = resolved?.required ?? [];
  const json = (v: unknown, note: string) => ({ text: JSON.stringify(v), note });
  const key = keys.length ? fc.constantFrom(...keys) : fc.constant('id');
  const wrong = fc.constantFrom<unknown>(42, -1.5, true, 'text', [], [1, 'a'], { nested: { deeper: 1 } }, '', 1e308);
  return fc.oneof(
    fc.tuple(key, wrong).map(([k, v]) => json({ ...obj, [k]: v }, `body: ${k} has a wrong type`)),
    key.map((k) => json({ ...obj, [k]: null }, `body: ${k} is null`)),
    required.length
      ? fc.constantFrom(...required).map((k) => {
          const { [k]: _, ...rest } = obj;
          return json(rest, `body: required ${k} missing`);
        })
      : fc.constant(json({}, 'body: empty object')),
    fc
      .constantFrom('unknownField', 'Id', 'createdAt', 'deleted', 'contractNumber', '__proto__', 'constructor')
      .map((k) => ({
        text: JSON.stringify(obj).replace(/^\{/, `{${JSON.stringify(k)}:1${Object.keys(obj).length ? ',' : ''}`),
        note: `body: extra field ${k}`,
      })),
    fc.stringMatching(/^_[a-z]{1,8}$/).map((k) => json({ ...obj, [k]: 'ext' }, 'body: extension field (valid)')),
    fc
      .tuple(key, fc.constantFrom(600_000, 2_000_000))
      .map(([k, n]) => json({ ...obj, [k]: 'x'.repeat(n) }, `body: ${k} is ${n} characters`)),
    fc.constantFrom(100, 5_000, 100_000).map((d) => ({
      text: JSON.stringify(obj).replace(/^\{/, `{"_deep":${deepNesting(d)}${Object.keys(obj).length ? ',' : ''}`),
      note: `body: nesting ${d} deep`,
    })),
    fc.constantFrom<unknown>([], [obj], 'text', 42, null, true).map((v) => json(v, 'body: not an object')),
    fc
      .constantFrom(
        '',
        '{',
        '{"a":',
        '{"a":1,}',
        "{'a':1}",
        '\uFEFF{}',
        '{"a":NaN}',
        '[1,2',
        'nul',
        '{"a":1}{"b":2}',
        '\u0000',
      )
      .map((text) => ({
        text: text === '{"a":1}{"b":2}' ? `${JSON.stringify(obj)}{"b":2}` : text,
        note: 'body: malformed JSON',
      })),
    fc.constant({ text: JSON.stringify(obj).replace(/^\{/, '{"type":"x",'), note: 'body: duplicate key' }),
  );
}

function multipartBody(
  boundary: string,
  parts: Array<{ name: string; filename?: string; type?: string; data: Buffer }>,
): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"`;
    head += '\r\n';
    if (p.type) head += `Content-Type: ${p.type}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, 'utf8'), p.data, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const PDF_BYTES = Buffer.from('%PDF-1.4\n%fuzz\n%%EOF\n');
const TEXT_BYTES = Buffer.from('plain text notes\n');
const FILENAMES = fc.constantFrom(
  'doc.pdf',
  'notes.txt',
  '',
  '../../etc/passwd',
  'ümlaut €.pdf',
  'x'.repeat(300),
  'a"b.pdf',
);

/** File parts: mostly bytes that match their declared type, sometimes not. */
const FILE_CONTENTS: fc.Arbitrary<{ data: Buffer; type: string | undefined; filename: string }> = fc.oneof(
  fc.record({
    data: fc.constantFrom(PDF_BYTES, TEXT_BYTES),
    type: fc.constant(undefined),
    filename: FILENAMES,
  }),
  fc.record({
    data: fc.constant(PDF_BYTES),
    type: fc.constantFrom('application/pdf', 'application/octet-stream'),
    filename: FILENAMES,
  }),
  fc.record({
    data: fc.constant(TEXT_BYTES),
    type: fc.constantFrom('text/plain', 'text/plain; charset=utf-8'),
    filename: FILENAMES,
  }),
  fc.record({
    data: fc.oneof(
      fc.constant(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])),
      fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
      fc.constant(Buffer.alloc(0)),
    ),
    type: fc.constantFrom(
      'application/pdf',
      'text/plain',
      'application/octet-stream',
      'image/png',
      'application/x-msdownload',
      undefined,
    ),
    filename: FILENAMES,
  }),
);

function multipartArbitrary(ctx: ValueContext, schema: Json, broken: boolean): fc.Arbitrary<BodyPlan> {
  const resolved = deref(ctx.document, schema);
  const props: Record<string, Json> = resolved.properties ?? {};
  const fileKeys = Object.keys(props).filter((k) => deref(ctx.document, props[k])?.format === 'binary');
  const textSchema = {
    ...resolved,
    properties: Object.fromEntries(Object.entries(props).filter(([k]) => !fileKeys.includes(k))),
  };
  textSchema.required = (resolved.required ?? []).filter((k: string) => !fileKeys.includes(k));
  const boundary = 'fuzzboundary7MA4YWxkTrZu0gW';
  const mutation = broken
    ? fc.constantFrom(
        'no file',
        'two files',
        'file under another name',
        'unknown field',
        'missing field',
        'field as file',
        'truncated',
        'no boundary',
        'field too long',
      )
    : fc.constant(undefined);
  return fc
    .tuple(
      validValue(ctx, textSchema, { context: 'FileUpload' }),
      fc.array(FILE_CONTENTS, { minLength: 1, maxLength: 1 }),
      mutation,
    )
    .map(([fields, [file], m]) => {
      const values = fields as Record<string, unknown>;
      let parts: Array<{ name: string; filename?: string; type?: string; data: Buffer }> = [];
      for (const [k, v] of Object.entries(values))
        if (v !== null && v !== undefined) parts.push({ name: k, data: Buffer.from(String(v)) });
      for (const k of fileKeys)
        parts.push({
          name: k,
          filename: file!.filename,
          ...(file!.type ? { type: file!.type } : {}),
          data: file!.data,
        });
      let contentType = `multipart/form-data; boundary=${boundary}`;
      if (m === 'no file') parts = parts.filter((p) => p.filename === undefined);
      if (m === 'two files') parts.push({ ...parts.find((p) => p.filename !== undefined)! });
      if (m === 'file under another name') for (const p of parts) if (p.filename !== undefined) p.name = 'document';
      if (m === 'unknown field') parts.push({ name: 'unknownField', data: Buffer.from('x') });
      if (m === 'missing field') parts = parts.filter((p) => p.filename !== undefined);
      if (m === 'field as file')
        for (const p of parts) if (p.filename === undefined) Object.assign(p, { filename: 'f.txt' });
      if (m === 'field too long') parts.push({ name: 'category', data: Buffer.alloc(10_000, 'c') });
      let body = multipartBody(boundary, parts);
      if (m === 'truncated') body = body.subarray(0, Math.floor(body.length / 2));
      if (m === 'no boundary') contentType = 'multipart/form-data';
      return { contentType, body, notes: m ? [`multipart: ${m}`] : [] };
    });
}

function ndjsonArbitrary(ctx: ValueContext, schema: Json, broken: boolean): fc.Arbitrary<BodyPlan> {
  const line = validValue(ctx, schema);
  const mutation = broken
    ? fc.constantFrom('malformed line', 'not an object', 'unknown field', 'empty', 'crlf', 'huge line')
    : fc.constant(undefined);
  return fc.tuple(fc.array(line, { minLength: 1, maxLength: 4 }), mutation).map(([lines, m]) => {
    let texts = lines.map((l) => JSON.stringify(l));
    if (m === 'malformed line') texts.push('{"type":');
    if (m === 'not an object') texts.push('[1,2]');
    if (m === 'unknown field') texts = texts.map((t) => t.replace(/^\{/, '{"bogus":1,'));
    if (m === 'empty') texts = [];
    if (m === 'huge line') texts.push(JSON.stringify({ recordType: 'client', id: 'x', lastName: 'y'.repeat(300_000) }));
    const body = Buffer.from(texts.join(m === 'crlf' ? '\r\n' : '\n'));
    return { contentType: 'application/x-ndjson', body, notes: m ? [`ndjson: ${m}`] : [] };
  });
}

function bodyArbitrary(ctx: ValueContext, op: OperationModel, broken: boolean): fc.Arbitrary<BodyPlan> {
  const content = op.requestBody;
  if (!content) return fc.constant({ contentType: undefined, body: undefined, notes: [] });
  const [type, schema] = Object.entries(content)[0]!;
  if (type === 'multipart/form-data') return multipartArbitrary(ctx, schema, broken);
  if (type === 'application/x-ndjson') return ndjsonArbitrary(ctx, schema, broken);
  return validValue(ctx, schema).chain((value) =>
    broken
      ? mutateJson(value, schema, ctx.document).map(({ text, note }) => ({
          contentType: type,
          body: Buffer.from(text),
          notes: [note],
        }))
      : fc.constant({ contentType: type, body: Buffer.from(JSON.stringify(value)), notes: [] }),
  );
}

const WRONG_CONTENT_TYPES = fc.constantFrom(
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'application/merge-patch+json',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json',
  '',
  'ü/ü',
);

function authArbitrary(
  world: World,
  op: OperationModel,
  as: Party | undefined,
  broken: boolean,
): fc.Arbitrary<{ value: string | undefined; note?: string }> {
  const good =
    op.security === 'consumer'
      ? `Bearer ${world.tokens[as!]}`
      : op.security === 'admin'
        ? `Bearer ${ADMIN_TOKEN}`
        : undefined;
  if (!broken) return fc.constant({ value: good });
  const token = world.tokens[as ?? 'a'];
  return fc
    .constantFrom<string | undefined>(
      undefined,
      'Bearer',
      'Bearer ',
      `bearer ${token}`,
      `Bearer  ${token}`,
      `Bearer ${token} ${token}`,
      'Basic ZnV6ejpmdXp6',
      `Bearer ${token}x`,
      `Bearer ${token.split('.').slice(0, 2).join('.')}.`,
      'Bearer a.b.c',
      `Bearer ${ADMIN_TOKEN}`,
      `Bearer ${'x'.repeat(9000)}`,
      `Bearer ${token}é`,
      ...world.badTokens.map((t) => `Bearer ${t}`),
    )
    .map((value) => ({
      value,
      note: `auth: ${value === undefined ? 'none' : value.length > 60 ? `${value.slice(0, 40)}…` : value}`,
    }));
}

const OTHER_METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'];

/** Requests for one operation. */
export function requestArbitrary(world: World, op: OperationModel): fc.Arbitrary<FuzzRequest> {
  const aspects: Aspect[] = ['auth', 'method', 'wire'];
  if (op.parameters.length > 0 || op.path.includes('-list')) aspects.push('param');
  if (op.requestBody) aspects.push('body', 'content-type');
  const party = op.security === 'consumer' ? fc.constantFrom<Party>('a', 'b') : fc.constant(undefined);
  const broken = fc.oneof(
    { weight: 5, arbitrary: fc.constant(undefined) },
    { weight: 5, arbitrary: fc.constantFrom(...aspects) },
  );
  return fc.tuple(party, broken).chain(([as, aspect]) => {
    const ctx: ValueContext = { document: op.document.document, world, requester: as };
    const wrongMethods = OTHER_METHODS.filter((m) => !op.pathMethods.includes(m));
    return fc
      .record({
        params: paramsArbitrary(ctx, op, aspect === 'param'),
        body: bodyArbitrary(ctx, op, aspect === 'body'),
        auth: authArbitrary(world, op, as, aspect === 'auth'),
        method: aspect === 'method' && wrongMethods.length ? fc.constantFrom(...wrongMethods) : fc.constant(op.method),
        contentType: aspect === 'content-type' ? WRONG_CONTENT_TYPES.map((t) => ({ t })) : fc.constant(undefined),
        wire:
          aspect === 'wire'
            ? fc.constantFrom('raw query', 'control header', 'bad version', 'space in path')
            : fc.constant(undefined),
        oddQuery: aspect === 'wire' ? ODD_STRINGS : fc.constant(''),
      })
      .map((r) => {
        const notes = [...r.params.notes, ...r.body.notes];
        if (r.auth.note) notes.push(r.auth.note);
        let path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeQueryValue(r.params.path[name] ?? ''));
        let query = r.params.query.map(([n, v]) => `${encodeQueryValue(n)}=${encodeQueryValue(v)}`).join('&');
        const headers: Array<[string, string]> = [...r.params.headers];
        if (r.auth.value !== undefined) headers.push(['Authorization', r.auth.value]);
        let contentType = r.body.contentType;
        if (r.contentType) {
          contentType = r.contentType.t;
          notes.push(`content-type: ${contentType ?? 'none'}`);
        }
        if (contentType !== undefined) headers.push(['Content-Type', contentType]);
        if (r.method !== op.method) notes.push(`method: ${r.method}`);
        if (r.wire) {
          notes.push(`wire: ${r.wire}`);
          if (r.wire === 'raw query') query = `${query}${query ? '&' : ''}raw=${r.oddQuery}`;
          if (r.wire === 'control header') headers.push(['X-Fuzz', `a${r.oddQuery}\u0001b`]);
          if (r.wire === 'space in path') path = `${path} x`;
          if (r.wire === 'bad version') path = `${path} HTTP/9.9`;
        }
        const request: FuzzRequest = {
          operation: op,
          as: op.security === 'consumer' ? as : undefined,
          mutations: notes,
          method: r.method,
          target: `${path}${query ? `?${query}` : ''}`,
          headers,
          body: r.body.body,
        };
        return Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) });
      });
  });
}

/** A request as a short text for failure reports. */
export function describeRequest(r: FuzzRequest): string {
  const clip = (t: string, n = 300) => (t.length > n ? `${t.slice(0, n)}… (${t.length} chars)` : t);
  const headers = r.headers.map(
    ([n, v]) => `${n}: ${clip(n === 'Authorization' ? v.replace(/\.[^.]+$/, '.<sig>') : v, 120)}`,
  );
  const body = r.body ? clip(r.body.toString('utf8')) : '';
  return [
    `${r.operation.operationId} as ${r.as ?? '-'} [${r.mutations.join('; ') || 'valid'}]`,
    `${r.method} ${clip(JSON.stringify(r.target))}`,
    ...headers,
    body && `body: ${JSON.stringify(body)}`,
  ]
    .filter(Boolean)
    .join('\n  ');
}
