import {
  AWAITING_PROVIDER_STATUSES,
  algorithmForKeyType,
  Contract,
  ContractCreate,
  compileCheck,
  hasPassedProviderStep,
  KEY_TYPES,
  keyTypesForAlgorithm,
  OPERATIONS,
  operations,
  PROVIDER_STEPS,
  ProblemError,
  parseIdempotencyKey,
  REFERENCE_FIELDS,
  requiredOnCreate,
  SIGNING_ALGORITHMS,
} from '@finum-sync/spec';
import { IMPORT_REQUIRED_ON_CREATE } from '@finum-sync/spec/admin';
import { describe, expect, it } from 'vitest';

describe('tables derived from the spec', () => {
  it('signing algorithms and key types: one table, RSA keys sign RS256 unless PS256 is chosen', () => {
    expect(SIGNING_ALGORITHMS).toEqual(['RS256', 'PS256', 'ES256', 'EdDSA']);
    expect(Object.keys(KEY_TYPES).map((t) => algorithmForKeyType(t as keyof typeof KEY_TYPES))).toEqual([
      'RS256',
      'PS256',
      'ES256',
      'EdDSA',
    ]);
    expect(keyTypesForAlgorithm('PS256')).toEqual(['rsa', 'rsa-pss']);
  });

  it('reference fields and required fields come from the field tables', () => {
    expect(REFERENCE_FIELDS.contract).toEqual({ holderId: 'client', productId: 'product', userId: 'user' });
    expect(REFERENCE_FIELDS.client).toEqual({ userId: 'user' });
    expect(requiredOnCreate('contract')).toEqual(['holderId', 'productId']);
    expect(ContractCreate.required).toEqual(['holderId', 'productId']);
    expect(IMPORT_REQUIRED_ON_CREATE).toEqual({
      client: ['type'],
      product: ['name', 'category'],
      user: ['lastName', 'role'],
      contract: ['holderId', 'productId', 'status'],
    });
  });

  it('provider steps: 120 → 130 (110 when data are missing), 230 → 320 with the contract number', () => {
    expect(AWAITING_PROVIDER_STATUSES).toEqual([120, 230]);
    expect(PROVIDER_STEPS[120]).toEqual({ to: 130, document: 'proposal', whenDataMissing: 110 });
    expect(PROVIDER_STEPS[230]).toMatchObject({ to: 320, assignsContractNumber: true });
    expect(hasPassedProviderStep(130, 120)).toBe(true);
    expect(hasPassedProviderStep(140, 120)).toBe(false);
    expect(hasPassedProviderStep(240, 230)).toBe(false);
    expect(hasPassedProviderStep(430, 230)).toBe(true);
  });

  it('Idempotency-Key: absent, one key of 1–255 characters, or a 400 naming the header', () => {
    expect(parseIdempotencyKey({})).toBeUndefined();
    expect(parseIdempotencyKey({ 'idempotency-key': 'k'.repeat(255) })).toBe('k'.repeat(255));
    for (const bad of ['', 'k'.repeat(256), ['a', 'b']]) {
      const error = (() => {
        try {
          parseIdempotencyKey({ 'idempotency-key': bad });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ProblemError);
      expect((error as ProblemError).toProblem()).toMatchObject({
        status: 400,
        errors: [{ field: 'Idempotency-Key', message: 'must be 1–255 characters' }],
      });
    }
  });

  it('the operations map: keyed by operationId, listed in the documented order, typed parts from the documentation', () => {
    for (const [id, op] of Object.entries(operations)) expect(op.operationId).toBe(id);
    expect(OPERATIONS.map((op) => op.operationId).slice(0, 3)).toEqual([
      'authStatus',
      'clientList',
      'clientIdListUpdated',
    ]);
    expect(operations.contractList.response.items).toBe(Contract);
    expect(compileCheck(operations.contractList.query)({ 'holder-id': 'cl-1' })).toEqual([]);
    expect(compileCheck(operations.contractList.query)({ 'holder-id': 'not an id!' })).not.toEqual([]);
    expect(compileCheck(operations.fileDownload.query)({})).toEqual([{ field: 'id', message: 'is required' }]);
    expect(operations.authStatus.query).toBeUndefined();
    expect(operations.contractUpdate.body).toBe(
      operations.contractUpdate.requestBody.content['application/json'].schema,
    );
  });

  it('a record accepts `_` extension fields of any JSON value and nothing else unknown', () => {
    const check = compileCheck(Contract);
    const contract = {
      id: 'c-1',
      createdAt: '2026-11-23T10:15:30.123Z',
      updatedAt: '2026-11-23T10:15:30.123Z',
      version: 1,
      deleted: false,
      holderId: 'cl-1',
      productId: 'p-1',
      userId: null,
      status: 120,
      statusNote: null,
      statusChangedAt: '2026-11-23T10:15:30.123Z',
      contractNumber: null,
      endReason: null,
      startDate: null,
      endDate: null,
      premium: null,
      currency: null,
      paymentFrequency: null,
      sumInsured: null,
      proposalFileId: null,
      fileIdList: [],
      externalId: null,
    };
    expect(check(contract)).toEqual([]);
    expect(check({ ...contract, _extra: { nested: [1, 'two', null] } })).toEqual([]);
    expect(check({ ...contract, extra: 1 })).toEqual([{ field: 'extra', message: 'is not a known field' }]);
  });
});
