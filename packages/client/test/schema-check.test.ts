import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unrollShortRepeats } from '../scripts/emit-conforms.js';
import { CONFORMS } from '../src/generated/conforms.js';
import { SCHEMAS } from '../src/generated/spec-data.js';
import { checkSchema, conformsBySchemaWalk, type JsonSchema } from '../src/schema-check.js';

const contract = {
  id: 'c-1',
  createdAt: '2026-11-23T10:15:30.123Z',
  updatedAt: '2026-11-23T10:15:30.123Z',
  version: 1,
  deleted: false,
  holderId: 'cl-1',
  productId: 'p-1',
  userId: null,
  status: 320,
  statusNote: null,
  statusChangedAt: '2026-11-23T10:15:30.123Z',
  contractNumber: 'POL-1',
  endReason: null,
  startDate: '2027-01-01',
  endDate: null,
  premium: '9.90',
  currency: 'EUR',
  paymentFrequency: 'monthly',
  sumInsured: null,
  proposalFileId: null,
  fileIdList: ['f-1'],
  externalId: null,
};

const event = {
  type: 'contract.status-changed',
  contractId: 'c-1',
  status: 130,
  previousStatus: null,
  changedBy: 'provider',
  occurredAt: '2026-11-23T10:15:30.123Z',
};

describe('checkSchema against the spec’s Contract schema', () => {
  it('accepts a conforming record, with extension fields', () => {
    expect(checkSchema(SCHEMAS.Contract, contract)).toEqual([]);
    expect(checkSchema(SCHEMAS.Contract, { ...contract, _riskClass: 'B', _flags: { a: 1 } })).toEqual([]);
  });

  it.each([
    ['status', { status: 999 }],
    ['version', { version: 0 }],
    ['id', { id: 'has space' }],
    ['updatedAt', { updatedAt: '2026-11-23' }],
    ['premium', { premium: 9.9 }],
    ['fileIdList[0]', { fileIdList: ['ok', 'not ok'].reverse() }],
    ['paymentFrequency', { paymentFrequency: 'daily' }],
    ['unknownField', { unknownField: 1 }],
    ['deleted', { deleted: 'no' }],
  ])('names %s when it is off-schema', (path, change) => {
    const violations = checkSchema(SCHEMAS.Contract, { ...contract, ...change });
    expect(violations.map((v) => v.path)).toContain(path);
  });

  it('names a missing field, and lets unknown fields of an event pass in open mode', () => {
    const { holderId: _, ...withoutHolder } = contract;
    expect(checkSchema(SCHEMAS.Contract, withoutHolder)).toEqual([{ path: 'holderId', message: 'is missing' }]);
    expect(checkSchema(SCHEMAS.CallbackEvent, event)).toEqual([]);
    expect(checkSchema(SCHEMAS.CallbackEvent, { ...event, newField: 1 })).not.toEqual([]);
    expect(checkSchema(SCHEMAS.CallbackEvent, { ...event, newField: 1 }, true)).toEqual([]);
  });
});

/** Values that break (or keep) one field each: every kind of check the spec's schemas use. */
const CANDIDATES: unknown[] = [
  null,
  0,
  1,
  -1,
  1.5,
  320,
  999,
  true,
  '',
  'x',
  'c-1',
  'has space',
  'é',
  'line\nbreak',
  'ends-with-newline\n',
  'a'.repeat(64),
  'a'.repeat(65),
  '2026-11-23',
  '2026-13-99',
  '2026-11-23T10:15:30.123Z',
  '2026-11-23T10:15:30Z',
  '9.90',
  '9.12345',
  '1234567890123456',
  'EUR',
  'EU',
  'EURO',
  'eur',
  '2026-11-2a',
  '2026-11-23T10:15:30.123Z\n',
  'monthly',
  'daily',
  'a@b',
  'contract.status-changed',
  'provider',
  [],
  ['f-1'],
  ['not ok'],
  {},
];

describe('the generated fast path (scripts/emit-conforms.js)', () => {
  const bases: Record<string, Record<string, unknown>> = { Contract: contract, CallbackEvent: event };

  it('covers every checked schema', () => {
    expect(Object.keys(CONFORMS).sort()).toEqual(Object.keys(SCHEMAS).sort());
  });

  it.each(Object.keys(SCHEMAS))('answers as the schema walk does for %s, field by field', (name) => {
    const schema = (SCHEMAS as Record<string, JsonSchema>)[name]!;
    const conforms = CONFORMS[name]!;
    const base = bases[name] ?? {};
    const variants: unknown[] = [base, null, [], 'x', 1, { ...base, _extension: { a: 1 } }, { ...base, unknown: 1 }];
    for (const key of Object.keys(schema.properties ?? {})) {
      const { [key]: _, ...without } = base;
      variants.push(without);
      for (const value of CANDIDATES) variants.push({ ...base, [key]: value });
    }
    for (const value of CANDIDATES) variants.push(value, [value]);
    let accepted = 0;
    for (const value of variants) {
      for (const open of [false, true]) {
        const expected = conformsBySchemaWalk(schema, value, open);
        if (conforms(value, open) !== expected) throw new Error(`${name} ${JSON.stringify(value)} open=${open}`);
        if (expected) accepted++;
      }
    }
    // Each base is accepted, so the comparison covers both answers.
    if (bases[name]) expect(accepted).toBeGreaterThan(2);
  });
});

describe('unrollShortRepeats (the generated patterns)', () => {
  it('writes short fixed repeats out and leaves the rest alone', () => {
    expect(unrollShortRepeats('^\\d{4}-[A-Z]{2}$')).toBe('^\\d\\d\\d\\d-[A-Z][A-Z]$');
    expect(unrollShortRepeats('^\\d{1,15}(\\.\\d{1,4})?$')).toBe('^\\d{1,15}(\\.\\d{1,4})?$');
    expect(unrollShortRepeats('^[a-f0-9]{64}$')).toBe('^[a-f0-9]{64}$');
  });

  it('matches the same strings as the pattern it came from', () => {
    const sources = ['^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$', '^[A-Z]{3}$', '^\\d{4}-\\d{2}-\\d{2}$'];
    const text = fc.stringMatching(/^[0-9A-Z:.\-TZa]{0,26}$/);
    for (const source of sources) {
      const [original, unrolled] = [new RegExp(source), new RegExp(unrollShortRepeats(source))];
      fc.assert(
        fc.property(fc.oneof(text, fc.stringMatching(original)), (value) => {
          expect(unrolled.test(value)).toBe(original.test(value));
        }),
        { seed: 20261128, numRuns: 500 },
      );
    }
  });
});
