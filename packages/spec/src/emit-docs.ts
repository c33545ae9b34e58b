/**
 * Writes (with `--write`) or checks the parts of `docs/contract.md` that are generated
 * from the spec: the operation list, the record field tables, the status table and the
 * problem catalog. Each lives between `<!-- generated: NAME -->` and `<!-- end generated -->`;
 * the prose around them is written by hand. Run `npm run docs` after changing the contract.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TSchema } from 'typebox';
import { CONTRACT_STATUSES, type StatusDef } from './lifecycle.js';
import { ONBOARDING_OPERATIONS } from './onboarding.js';
import { OPERATIONS, type OperationDef, SECURED_PROBLEMS } from './operations.js';
import { PROBLEM_TYPE_PREFIX, PROBLEMS } from './problems.js';
import { type FieldAccess, type FieldDef, metaFields, RECORD_TYPES, recordFields } from './records.js';

/** The contract document, at the repository's root. */
export const CONTRACT_DOC = fileURLToPath(new URL('../../../docs/contract.md', import.meta.url));

/** A Markdown table cell: no line breaks, pipes escaped. */
const cell = (text: string) => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
const table = (head: readonly string[], rows: readonly (readonly string[])[]) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');

/** A field's schema in a few words: `enum`, string limits and formats, arrays. */
export function describeSchema(schema: TSchema): string {
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((v) => `\`${String(v)}\``).join(', ');
  if (s.type === 'array') return `array of ${describeSchema(s.items as TSchema)}`;
  if (s.type === 'string') {
    if (s.format === 'date') return 'date `YYYY-MM-DD`';
    if (s.format === 'date-time') return 'timestamp';
    if (s.format === 'email') return `e-mail, ≤ ${s.maxLength} chars`;
    if (s.format === 'uri') return `URL, ≤ ${s.maxLength} chars`;
    if (typeof s.pattern === 'string' && /\{1,64\}\$$/.test(s.pattern) && s.pattern.startsWith('^[A-Za-z0-9_-]'))
      return 'id';
    if (typeof s.pattern === 'string') return `string \`${s.pattern}\``;
    return `string, ${s.minLength ?? 0}–${s.maxLength} chars`;
  }
  if (s.type === 'integer') return typeof s.minimum === 'number' ? `integer ≥ ${s.minimum}` : 'integer';
  return String(s.type);
}

const ACCESS: Record<FieldAccess, string> = {
  consumer: 'consumer',
  'create-only': 'consumer, on create only',
  provider: 'provider',
  'write-only': 'consumer (write-only)',
};

function fieldRow(name: string, def: FieldDef): string[] {
  const notes = [
    def.requiredOnCreate ? '**Required on create.**' : '',
    def.references ? `Refers to a ${def.references}.` : '',
    def.description,
  ].filter(Boolean);
  return [`\`${name}\``, describeSchema(def.schema), ACCESS[def.access], notes.join(' ')];
}

const FIELD_HEAD = ['field', 'type', 'written by', 'notes'];

function recordTables(): string {
  const parts = [
    '#### Every record',
    '',
    table(
      FIELD_HEAD,
      Object.entries(metaFields).map(([name, def]) => fieldRow(name, def as FieldDef)),
    ),
  ];
  for (const type of RECORD_TYPES) {
    parts.push(
      '',
      `#### ${type}`,
      '',
      table(
        FIELD_HEAD,
        Object.entries(recordFields[type]).map(([name, def]) => fieldRow(name, def as FieldDef)),
      ),
    );
  }
  return parts.join('\n');
}

const successCodes = (op: OperationDef) =>
  Object.keys(op.responses)
    .filter((code) => Number(code) < 300)
    .join(', ');

function operationTable(): string {
  const rows = [...OPERATIONS, ...ONBOARDING_OPERATIONS].map((op) => [
    `\`${op.operationId}\``,
    `\`${op.method} ${op.path}\``,
    op.security,
    op.summary,
    [successCodes(op), ...op.problems.map((p) => `\`${p}\``)].join(', '),
  ]);
  return [
    table(['operation', 'request', 'who', 'what', 'answers'], rows),
    '',
    `Every operation for a consumer may also answer ${SECURED_PROBLEMS.map((p) => `\`${p}\``).join(', ')}.`,
  ].join('\n');
}

const moves = (def: StatusDef) => def.consumerMayMoveTo.join(', ') || '—';

function statusTable(): string {
  const rows = Object.entries(CONTRACT_STATUSES).map(([code, def]: [string, StatusDef]) => [
    def.fixed ? `**${code}**` : code,
    def.label,
    def.setBy,
    moves(def),
    def.providerStep
      ? `provider moves it to ${def.providerStep.to}${def.providerStep.whenDataMissing ? ` (or ${def.providerStep.whenDataMissing} when data is missing)` : ''}`
      : '',
  ]);
  return table(['code', 'meaning', 'set by', 'the consumer may move it to', "provider's step"], rows);
}

function problemTable(): string {
  const rows = Object.entries(PROBLEMS).map(([code, p]) => [`\`${code}\``, String(p.status), p.title]);
  return [`\`type\` is \`${PROBLEM_TYPE_PREFIX}<code>\`.`, '', table(['code', 'status', 'title'], rows)].join('\n');
}

/** The generated blocks of `docs/contract.md`, by name. */
export const GENERATED_BLOCKS = {
  operations: operationTable,
  records: recordTables,
  statuses: statusTable,
  problems: problemTable,
} as const;

const BLOCK = /(<!-- generated: ([a-z]+) -->\n)[\s\S]*?(<!-- end generated -->)/g;

/**
 * The document with every generated block rendered anew; throws on a block name it does
 * not know and when one of the blocks is missing.
 */
export function renderContractDoc(text: string): string {
  const seen = new Set<string>();
  const rendered = text.replace(BLOCK, (_all, open: string, name: string, close: string) => {
    const render = GENERATED_BLOCKS[name as keyof typeof GENERATED_BLOCKS];
    if (!render) throw new Error(`docs/contract.md: unknown generated block '${name}'`);
    seen.add(name);
    return `${open}${render()}\n${close}`;
  });
  const missing = Object.keys(GENERATED_BLOCKS).filter((name) => !seen.has(name));
  if (missing.length) throw new Error(`docs/contract.md: missing generated blocks ${missing.join(', ')}`);
  return rendered;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = readFileSync(CONTRACT_DOC, 'utf8');
  const rendered = renderContractDoc(text);
  if (process.argv.includes('--write')) {
    writeFileSync(CONTRACT_DOC, rendered);
    console.log(`wrote ${CONTRACT_DOC}`);
  } else if (rendered !== text) {
    console.error('docs/contract.md is out of date: run `npm run docs`');
    process.exit(1);
  }
}
