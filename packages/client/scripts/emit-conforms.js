// Writes the "does it conform?" fast path of the response check as straight-line code, one
// function per checked schema (src/generated/conforms.ts), at build time: named property reads
// that V8 caches per record shape (a closure reading `record[key]` for every key is a slow
// megamorphic lookup), each regular expression and enum set built once. Generated ahead of time,
// not at run time: `new Function` is refused by edge runtimes and strict CSPs. The answer must equal the schema walk's (src/schema-check.ts,
// which still names the violations); packages/client/test/schema-check.test.ts compares them.

/** Formats the spec's strings may carry without a pattern (the same as src/schema-check.ts). */
const FORMATS = {
  date: '^\\d{4}-\\d{2}-\\d{2}$',
  'date-time': '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$',
  email: '^[^\\s@]+@[^\\s@]+$',
};

/**
 * The same regular expression with short fixed repeats written out (`\\d{4}` → `\\d\\d\\d\\d`,
 * `[A-Z]{3}` → `[A-Z][A-Z][A-Z]`): V8 matches the spec's timestamps about 15 % faster so (measured).
 * Same language: `X{n}` is `X` n times.
 */
export function unrollShortRepeats(source) {
  return source.replace(/(\\d|\[[^\]\\]*\])\{([1-4])\}/g, (_, atom, n) => atom.repeat(Number(n)));
}

/** TypeScript source of the conformance functions of `schemas` (name → inlined JSON Schema). */
export function emitConforms(schemas) {
  const out = [];
  const patterns = new Map();
  const constants = [];
  let count = 0;
  const pattern = (source) => {
    let name = patterns.get(source);
    if (!name) {
      // V8's compiled regular expressions beat character loops written out here (measured).
      name = `p${patterns.size}`;
      patterns.set(source, name);
      constants.push(`const ${name} = new RegExp(${JSON.stringify(source)});`);
    }
    return name;
  };
  const constant = (value) => {
    const name = `k${constants.length}`;
    constants.push(`const ${name} = ${value};`);
    return name;
  };
  /** An expression saying whether `x` conforms to `schema` (`o`: open mode). */
  const expression = (schema, x) => {
    if (schema.anyOf) {
      const nullable = schema.anyOf.findIndex((b) => b.type === 'null' && Object.keys(b).length === 1);
      if (schema.anyOf.length === 2 && nullable !== -1)
        return `(${x} === null || ${expression(schema.anyOf[1 - nullable], x)})`;
      return `(${schema.anyOf.map((b) => `${fn(b)}(${x}, o)`).join(' || ')})`;
    }
    const parts = [];
    switch (schema.type) {
      case 'string': {
        parts.push(`typeof ${x} === 'string'`);
        if (schema.minLength !== undefined) parts.push(`${x}.length >= ${schema.minLength}`);
        if (schema.maxLength !== undefined) parts.push(`${x}.length <= ${schema.maxLength}`);
        // A pattern (the spec's timestamps have one) is stricter than the format: one test is enough.
        const source = schema.pattern ?? (schema.format ? FORMATS[schema.format] : undefined);
        // `^[…]{m,n}$` (the spec's ids): the bound as length checks, the class as `^[…]*$`, which
        // V8 runs markedly faster. Same answer: a class matches one UTF-16 unit, `length` counts them.
        // `^[…]{m,n}$` (the spec's ids): the bound as length checks (those the schema's own
        // minLength/maxLength do not already make), the class as a search for a character outside
        // it, which V8 runs markedly faster than `^[…]{m,n}$` or `^[…]*$`. Same answer: a class
        // matches one UTF-16 unit, `length` counts them.
        const run = source && /^\^(\[[^\]\\]*\]|\\d)\{(\d+),(\d+)\}\$$/.exec(source);
        if (run) {
          const [min, max] = [Number(run[2]), Number(run[3])];
          if (min > (schema.minLength ?? 0)) parts.push(`${x}.length >= ${min}`);
          if (max < (schema.maxLength ?? Number.POSITIVE_INFINITY)) parts.push(`${x}.length <= ${max}`);
          const outside = run[1] === '\\d' ? '\\D' : `[^${run[1].slice(1)}`;
          parts.push(`!${pattern(outside)}.test(${x})`);
        } else if (source) parts.push(`${pattern(unrollShortRepeats(source))}.test(${x})`);
        break;
      }
      case 'integer':
      case 'number':
        parts.push(`typeof ${x} === 'number'`);
        if (schema.type === 'integer') parts.push(`Number.isInteger(${x})`);
        if (schema.minimum !== undefined) parts.push(`${x} >= ${schema.minimum}`);
        break;
      case 'boolean':
        parts.push(`typeof ${x} === 'boolean'`);
        break;
      case 'null':
        return `${x} === null`;
      case 'array':
      case 'object':
        return `${fn(schema)}(${x}, o)`;
    }
    if (schema.enum) parts.push(`${constant(`new Set<unknown>(${JSON.stringify(schema.enum)})`)}.has(${x})`);
    if (schema.const !== undefined) parts.push(`${x} === ${JSON.stringify(schema.const)}`);
    return parts.length ? `(${parts.join(' && ')})` : 'true';
  };
  /** The name of a function `(v, o) => boolean` for `schema`. */
  const fn = (schema) => {
    const name = `f${count++}`;
    const body = [];
    if (schema.type === 'array') {
      body.push(`  if (!Array.isArray(v)) return false;`);
      if (schema.maxItems !== undefined) body.push(`  if (v.length > ${schema.maxItems}) return false;`);
      if (schema.items)
        body.push(`  for (let i = 0; i < v.length; i++) if (!${expression(schema.items, 'v[i]')}) return false;`);
      body.push('  return true;');
    } else if (schema.type === 'object') {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      body.push(`  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;`);
      for (const key of required)
        if (!Object.hasOwn(properties, key))
          body.push(`  if (!Object.hasOwn(v, ${JSON.stringify(key)})) return false;`);
      body.push('  let known = 0;', '  let x: any;');
      for (const [key, sub] of Object.entries(properties)) {
        const k = JSON.stringify(key);
        body.push(
          `  x = v[${k}];`,
          `  if (x !== undefined || Object.hasOwn(v, ${k})) {`,
          '    known++;',
          `    if (!${expression(sub, 'x')}) return false;`,
          required.has(key) ? '  } else return false;' : '  }',
        );
      }
      const patterned = Object.entries(schema.patternProperties ?? {});
      const closed = schema.additionalProperties === false;
      if (patterned.length || closed) {
        // The usual record has only known fields: count them before looking at names.
        const names = constant(`new Set<string>(${JSON.stringify(Object.keys(properties))})`);
        body.push('  let total = 0;', '  for (const _ in v) total++;', '  if (total === known) return true;');
        body.push(`  for (const key of Object.keys(v)) {`, `    if (${names}.has(key)) continue;`);
        for (const [source, sub] of patterned) {
          const p = constant(`new RegExp(${JSON.stringify(source)})`);
          body.push(`    if (${p}.test(key)) { x = v[key]; if (!${expression(sub, 'x')}) return false; continue; }`);
        }
        if (closed) body.push('    if (!o) return false;');
        body.push('  }');
      }
      body.push('  return true;');
    } else {
      body.push(`  return ${expression(schema, 'v')};`);
    }
    out.push(`function ${name}(v: any, o: boolean): boolean {`, ...body, '}');
    return name;
  };
  const exported = Object.entries(schemas).map(([name, schema]) => `  ${name}: ${fn(schema)},`);
  return [
    '// Generated by scripts/emit-conforms.js (via scripts/emit-spec-data.js) from the schemas of spec-data.ts. Do not edit.',
    '/* eslint-disable */',
    '',
    ...constants,
    '',
    ...out,
    '',
    '/** Whether a value conforms to the named schema (`open`: unknown properties pass). */',
    'export const CONFORMS: Record<string, (value: unknown, open: boolean) => boolean> = {',
    ...exported,
    '};',
    '',
  ].join('\n');
}
