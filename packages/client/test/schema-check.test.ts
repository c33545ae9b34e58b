import { describe, expect, it } from 'vitest';
import { SCHEMAS } from '../src/generated/spec-data.js';
import { checkSchema } from '../src/schema-check.js';

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
    const event = {
      type: 'contract.status-changed',
      contractId: 'c-1',
      status: 130,
      previousStatus: null,
      changedBy: 'provider',
      occurredAt: '2026-11-23T10:15:30.123Z',
    };
    expect(checkSchema(SCHEMAS.CallbackEvent, event)).toEqual([]);
    expect(checkSchema(SCHEMAS.CallbackEvent, { ...event, newField: 1 })).not.toEqual([]);
    expect(checkSchema(SCHEMAS.CallbackEvent, { ...event, newField: 1 }, true)).toEqual([]);
  });
});
