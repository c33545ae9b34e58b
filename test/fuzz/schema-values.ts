import { RECORD_TYPES } from '@finum-sync/spec';
import fc from 'fast-check';
import { deref, type Json, refName } from './openapi-model.js';
import type { IdKind, IdSource, Party, World } from './world.js';

/**
 * Values from JSON Schemas of an OpenAPI document, as fast-check arbitraries: valid ones
 * (which the generators then mutate into invalid ones). Ids are drawn from the world's
 * pools at generation time — the requester's own records, the other consumer's, ids that
 * never existed — so that valid requests reach real records and visibility is probed.
 */
export interface ValueContext {
  document: Json;
  world: World;
  /** The consumer the request is sent as; undefined for the back office. */
  requester: Party | undefined;
}

/** What is known about the place a value goes: its name, description, enclosing schema or path. */
export interface Place {
  name?: string;
  description?: string;
  /** A component schema name or an operation path, e.g. `ClientPatch`, `/v1/file-list`. */
  context?: string;
}

const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const KIND_WORDS = [...RECORD_TYPES, 'consumer'] as const;
const KINDS = `(${KIND_WORDS.join('|')})`;

/**
 * Which record an id points at, from the way the document names and describes it:
 * `productId`, `consumer-id`; "Id of the client …", "… this client id"; else the
 * enclosing schema (`ClientPatch`) or path (`/v1/file-list`).
 */
export function idKindOf(place: Place): IdKind {
  const tests: Array<[RegExp, string | undefined]> = [
    [new RegExp(`^${KINDS}-?id(-list)?$`, 'i'), place.name],
    [new RegExp(`\\bid of the ${KINDS}\\b`, 'i'), place.description],
    [new RegExp(`\\b${KINDS}(?:['’]s)? id\\b`, 'i'), place.description],
    [new RegExp(KINDS, 'i'), place.context],
  ];
  for (const [re, text] of tests) {
    const m = text ? re.exec(text) : null;
    if (m) return m[1]!.toLowerCase() as IdKind;
  }
  return 'any';
}

export const isIdSchema = (schema: Json) => schema?.type === 'string' && schema.pattern === ID_PATTERN;

/** A string parameter that carries a comma-separated list of ids (`id-list`). */
export const isIdListParam = (name: string, schema: Json) =>
  /-list$/.test(name) &&
  schema?.type === 'string' &&
  typeof schema.pattern === 'string' &&
  schema.pattern.includes(',');

const SOURCES: Array<{ weight: number; arbitrary: fc.Arbitrary<IdSource> }> = [
  { weight: 14, arbitrary: fc.constant('mine') },
  { weight: 3, arbitrary: fc.constant('other') },
  { weight: 2, arbitrary: fc.constant('ghost') },
  { weight: 1, arbitrary: fc.constant('random') },
];

/** Names of ids that say which record a request is about (not a reference stored in a record). */
const SUBJECT_IDS = /^(id|id-list|consumerId|consumer-id|contract-id|holder-id)$/;

/**
 * An id of the given kind, drawn from the world when the value is generated. References
 * in the back office's bodies (`holderId`, `userId`, … of an imported record) point at
 * products or at nothing: the provider may store any reference, and one to another
 * consumer's record would make that consumer's id part of this one's data.
 */
export function idArbitrary(ctx: ValueContext, kind: IdKind, place: Place = {}): fc.Arbitrary<string> {
  const reference = ctx.requester === undefined && !SUBJECT_IDS.test(place.name ?? 'id') && kind !== 'product';
  const sources = reference ? [{ weight: 1, arbitrary: fc.constantFrom<IdSource>('ghost', 'random') }] : SOURCES;
  return fc
    .tuple(fc.oneof(...sources), fc.nat(), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/))
    .map(([source, n, random]) => (source === 'random' ? random : ctx.world.pickId(kind, source, n, ctx.requester)));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Valid RFC 3339 timestamps in the past, in the forms the API writes and others it must read. */
export const pastTimestamp: fc.Arbitrary<string> = fc
  .tuple(
    fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date(Date.now() - 120_000), noInvalidDate: true }),
    fc.constantFrom('ms', 'plain', 'offset', 'micro'),
  )
  .map(([date, form]) => {
    const iso = date.toISOString();
    if (form === 'plain') return iso.replace(/\.\d{3}Z$/, 'Z');
    if (form === 'micro') return iso.replace(/Z$/, '123Z');
    if (form === 'offset') {
      const shifted = new Date(date.getTime() + 2 * 3_600_000).toISOString();
      return shifted.replace(/Z$/, '+02:00');
    }
    return iso;
  });

const dateOnly = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`);

/** Callback URLs that stay on this machine: the local receiver, a closed local port, refused addresses. */
function localUrl(ctx: ValueContext): fc.Arbitrary<string> {
  const receiver = ctx.world.receiver.url;
  const port = new URL(receiver).port;
  return fc.constantFrom(
    receiver,
    `${receiver}/hook?x=1`,
    `http://localhost:${port}/cb`,
    `http://[::1]:${port}/cb`,
    'http://127.0.0.1:9/closed',
    'http://169.254.169.254/latest/meta-data',
    'http://0.0.0.0/',
  );
}

function stringArbitrary(ctx: ValueContext, schema: Json, place: Place): fc.Arbitrary<string> {
  if (isIdSchema(schema)) return idArbitrary(ctx, idKindOf(place), place);
  switch (schema.format) {
    case 'date-time':
      return pastTimestamp.map((t) =>
        schema.pattern && !new RegExp(schema.pattern).test(t) ? new Date(t).toISOString() : t,
      );
    case 'date':
      return dateOnly;
    case 'email':
      return fc.emailAddress().filter((e) => e.length <= (schema.maxLength ?? 254));
    case 'uri':
      return localUrl(ctx);
    case 'binary':
      return fc.string();
    default:
      break;
  }
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? 64;
  if (schema.pattern) {
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= minLength && s.length <= maxLength);
  }
  if (/externalId|external-id/.test(place.name ?? '')) {
    const known = [...ctx.world.externalIds.a, ...ctx.world.externalIds.b];
    return fc.oneof(fc.constantFrom(...known), fc.string({ minLength: Math.max(1, minLength), maxLength: 20 }));
  }
  // Short strings mostly, but never shorter than the schema allows.
  const upTo = (n: number) => Math.max(minLength, Math.min(maxLength, n));
  return fc.oneof(
    { weight: 8, arbitrary: fc.string({ minLength, maxLength: upTo(24) }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength, maxLength: upTo(12) }) },
    { weight: 1, arbitrary: fc.constant('x'.repeat(Math.max(minLength, Math.min(maxLength, 4000)))) },
  );
}

/** A valid value of `schema` (depth-limited for recursive schemas). */
export function validValue(ctx: ValueContext, schema: Json, place: Place = {}, depth = 0): fc.Arbitrary<unknown> {
  const name = refName(schema);
  const resolved = deref(ctx.document, schema);
  const here: Place = name && !place.context ? { ...place, context: name } : place;
  if (resolved === true || resolved === undefined || Object.keys(resolved).length === 0) {
    return fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
  }
  if ('const' in resolved) return fc.constant(resolved.const);
  if (Array.isArray(resolved.enum)) return fc.constantFrom(...resolved.enum);
  const variants = resolved.anyOf ?? resolved.oneOf;
  if (Array.isArray(variants)) {
    const nonNull = variants.filter((v: Json) => v.type !== 'null');
    const description = place.description ?? resolved.description;
    const arbs = nonNull.map((v: Json) => ({
      weight: 4,
      arbitrary: validValue(ctx, v, { ...here, description }, depth),
    }));
    if (nonNull.length < variants.length) arbs.push({ weight: 1, arbitrary: fc.constant(null) as never });
    return fc.oneof(...arbs);
  }
  const place2: Place = { ...here, description: place.description ?? resolved.description };
  switch (resolved.type) {
    case 'string':
      return stringArbitrary(ctx, resolved, place2);
    case 'integer': {
      const min = resolved.minimum ?? -1000;
      const max = resolved.maximum ?? 1_000_000;
      // Small values mostly (versions, limits), the whole range sometimes.
      return fc.oneof(fc.integer({ min, max: Math.min(max, min + 5) }), fc.integer({ min, max }));
    }
    case 'number':
      return fc.double({ min: resolved.minimum ?? -1e6, max: resolved.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validValue(ctx, resolved.items ?? {}, { ...place2, name: place.name }, depth + 1), {
        minLength: resolved.minItems ?? 0,
        maxLength: Math.min(resolved.maxItems ?? 4, depth > 2 ? 1 : 4),
      });
    case 'object':
      return objectValue(ctx, resolved, here, depth);
    default:
      return fc.constant(null);
  }
}

/** Extension fields (`_name`) a provider or consumer may add. */
const extensionField = fc.tuple(
  fc.stringMatching(/^_[A-Za-z0-9_]{1,20}$/),
  fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant({ nested: [1] })),
);

function objectValue(ctx: ValueContext, schema: Json, place: Place, depth: number): fc.Arbitrary<unknown> {
  const properties: Record<string, Json> = schema.properties ?? {};
  const required: string[] = schema.required ?? [];
  const entries = Object.entries(properties).map(([key, s]) => [
    key,
    validValue(
      ctx,
      s,
      { name: key, description: deref(ctx.document, s)?.description, context: place.context },
      depth + 1,
    ),
  ]);
  const record = fc.record(Object.fromEntries(entries), {
    requiredKeys: required.filter((k) => k in properties),
  }) as fc.Arbitrary<Record<string, unknown>>;
  // Alternatives the document describes as "(this or `other`)": keep exactly one of them.
  const alternatives = Object.entries(properties)
    .map(([key, s]) => [key, /\(this or `(\w+)`\)/.exec(deref(ctx.document, s)?.description ?? '')?.[1]] as const)
    .filter(([, other]) => other !== undefined && other in properties);
  const base =
    alternatives.length === 0
      ? record
      : fc.tuple(record, fc.constantFrom(...alternatives.map(([key]) => key))).map(([value, keep]) => {
          const out = { ...value };
          for (const [key] of alternatives) if (key !== keep) delete out[key];
          if (out[keep] === undefined) return value;
          return out;
        });
  const hasExtensions = Object.keys(schema.patternProperties ?? {}).some((p) => p.startsWith('^_'));
  const withExtensions = hasExtensions
    ? fc
        .tuple(base, fc.array(extensionField, { maxLength: 2 }))
        .map(([value, extras]) => ({ ...Object.fromEntries(extras), ...value }))
    : base;
  const conditions: Json[] = (schema.allOf ?? []).filter((c: Json) => c.if && c.then);
  if (conditions.length === 0) return withExtensions;
  // `if`/`then` (e.g. persons need lastName): add what the matching conditions require.
  return withExtensions.chain((value) => {
    const needed = conditions
      .filter((c) => matchesIf(c.if, value))
      .flatMap((c) => (c.then.required ?? []) as string[])
      .filter((key) => value[key] === undefined || value[key] === null);
    if (needed.length === 0) return fc.constant(value);
    const extra = Object.fromEntries(
      needed.map((key) => {
        const s = properties[key] ?? { type: 'string' };
        const variants = deref(ctx.document, s).anyOf as Json[] | undefined;
        const nonNull = variants?.find((v) => v.type !== 'null') ?? s;
        return [key, validValue(ctx, nonNull, { name: key }, depth + 1)];
      }),
    );
    return fc.record(extra).map((more) => ({ ...value, ...more }));
  });
}

/** The subset of `if` schemas the documents use: required keys with `const` values. */
function matchesIf(condition: Json, value: Record<string, unknown>): boolean {
  for (const key of condition.required ?? []) if (!(key in value)) return false;
  for (const [key, s] of Object.entries<Json>(condition.properties ?? {})) {
    if (key in value && 'const' in s && value[key] !== s.const) return false;
  }
  return true;
}
