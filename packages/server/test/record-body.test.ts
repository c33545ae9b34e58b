import { describe, expect, it } from 'vitest';
import { composeRecord, recordRow } from '../src/internal.js';

const META = {
  id: 'c-1',
  ownerId: 'acme',
  version: 3,
  createdMs: 1_700_000_000_123,
  updatedMs: 1_700_000_123_456,
  deleted: false,
};

describe('recordRow: the row of the record composeRecord builds, without building it', () => {
  const cases: [string, Parameters<typeof composeRecord>][] = [
    ['a contract with unset fields (null, [] for arrays)', ['contract', META, { holderId: 'cl-1', status: 320 }]],
    [
      'write-only and unknown fields dropped, `_` extensions kept last',
      [
        'contract',
        META,
        { _crm: { a: [1, 'x"y'] }, callbackUrl: 'https://x.test/', bogus: 1, holderId: 'cl-1', status: 100 },
      ],
    ],
    [
      'strings that need escaping, a tombstone',
      [
        'client',
        { ...META, deleted: true },
        { type: 'person', lastName: 'Ö"\\\n\u0001', firstName: 'A 😀 \ud800 \u2028', _note: undefined },
      ],
    ],
    ['a product with arrays', ['product', META, { name: 'P', requiredFields: ['startDate', 'sumInsured'] }]],
  ];
  it.each(cases)('%s', (_, args) => {
    const record = composeRecord(...args);
    const row = recordRow(...args);
    expect(row.body).toBe(JSON.stringify(record.data));
    const { data, ...meta } = record;
    const { body, fields, ...rowMeta } = row;
    expect(rowMeta).toEqual(meta);
    expect(fields).toBe(args[2]);
  });
});
