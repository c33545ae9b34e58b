import type {
  AuthStatus,
  CallbackEvent,
  Client,
  ClientCreate,
  Contract,
  ContractPatch,
  ContractStatus,
  CreateOf,
  ExtensionFields,
  FileRecord,
  OperationId,
  PatchOf,
  Problem,
  RecordOf,
  RequestOf,
  ResponseOf,
} from '@finum-sync/spec';
import { operations, type RECORD_SCHEMAS } from '@finum-sync/spec';
import type { Static } from 'typebox';
import { describe, expectTypeOf, it } from 'vitest';

describe('RequestOf / ResponseOf', () => {
  it('contractList: one optional filter of id-list or holder-id, answers contracts', () => {
    expectTypeOf<RequestOf<'contractList'>>().toEqualTypeOf<{
      query?: { 'id-list'?: string; 'holder-id'?: string };
    }>();
    expectTypeOf<ResponseOf<'contractList'>>().toEqualTypeOf<Contract[]>();
  });

  it('contractIdListUpdated: an optional since, answers ids', () => {
    expectTypeOf<RequestOf<'contractIdListUpdated'>>().toEqualTypeOf<{ query?: { since?: string } }>();
    expectTypeOf<ResponseOf<'contractIdListUpdated'>>().toEqualTypeOf<string[]>();
  });

  it('contractCreate: a ContractCreate body, answers the contract', () => {
    expectTypeOf<RequestOf<'contractCreate'>>().toEqualTypeOf<{ body: CreateOf<'contract'> }>();
    expectTypeOf<ResponseOf<'contractCreate'>>().toEqualTypeOf<Contract>();
    expectTypeOf<CreateOf<'contract'>['status']>().toEqualTypeOf<100 | 120 | undefined>();
    expectTypeOf<CreateOf<'contract'>['holderId']>().toEqualTypeOf<string>();
    expectTypeOf<CreateOf<'contract'>['premium']>().toEqualTypeOf<string | null | undefined>();
    // @ts-expect-error: holderId is required
    const missing: CreateOf<'contract'> = { productId: 'p-1' };
    void missing;
    // @ts-expect-error: read-only fields are not part of a create
    const readOnly: CreateOf<'contract'> = { holderId: 'cl-1', productId: 'p-1', contractNumber: 'x' };
    void readOnly;
  });

  it('contractUpdate: a ContractPatch body with a consumer status, answers the contract', () => {
    expectTypeOf<RequestOf<'contractUpdate'>>().toEqualTypeOf<{ body: ContractPatch }>();
    expectTypeOf<ResponseOf<'contractUpdate'>>().toEqualTypeOf<Contract>();
    expectTypeOf<PatchOf<'contract'>['id']>().toEqualTypeOf<string>();
    expectTypeOf<PatchOf<'contract'>['version']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<PatchOf<'contract'>['status']>().toEqualTypeOf<120 | 190 | 230 | undefined>();
    expectTypeOf<PatchOf<'contract'>['callbackUrl']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<PatchOf<'contract'>>().not.toHaveProperty('holderId');
  });

  it('authStatus: nothing to send, answers AuthStatus', () => {
    expectTypeOf<RequestOf<'authStatus'>>().toEqualTypeOf<Record<never, never>>();
    expectTypeOf<ResponseOf<'authStatus'>>().toEqualTypeOf<AuthStatus>();
    expectTypeOf<AuthStatus>().toEqualTypeOf<{ authenticated: true; consumerId: string; tokenExpiresAt: string }>();
  });

  it('fileDownload needs its id', () => {
    expectTypeOf<RequestOf<'fileDownload'>>().toEqualTypeOf<{ query: { id: string } }>();
  });

  it('the map knows every operation id', () => {
    expectTypeOf<OperationId>().toEqualTypeOf<
      | 'authStatus'
      | 'clientList'
      | 'clientIdListUpdated'
      | 'productList'
      | 'productIdListUpdated'
      | 'userList'
      | 'userIdListUpdated'
      | 'contractList'
      | 'contractIdListUpdated'
      | 'fileList'
      | 'fileIdListUpdated'
      | 'fileDownload'
      | 'clientCreate'
      | 'clientUpdate'
      | 'contractCreate'
      | 'contractUpdate'
      | 'fileUpload'
      | 'demoCredentials'
      | 'healthz'
      | 'readyz'
    >();
    expectTypeOf(operations.contractUpdate.method).toEqualTypeOf<'PATCH'>();
    expectTypeOf(operations.contractList.path).toEqualTypeOf<'/v1/contract-list'>();
  });
});

describe('records', () => {
  it('RecordOf<contract> is the contract with every standard field and _ extensions', () => {
    expectTypeOf<RecordOf<'contract'>>().toEqualTypeOf<Contract>();
    expectTypeOf<Static<typeof RECORD_SCHEMAS.contract>>().toEqualTypeOf<Contract>();
    expectTypeOf<Contract['id']>().toEqualTypeOf<string>();
    expectTypeOf<Contract['version']>().toEqualTypeOf<number>();
    expectTypeOf<Contract['deleted']>().toEqualTypeOf<boolean>();
    expectTypeOf<Contract['status']>().toEqualTypeOf<ContractStatus>();
    expectTypeOf<Contract['holderId']>().toEqualTypeOf<string>();
    expectTypeOf<Contract['premium']>().toEqualTypeOf<string | null>();
    expectTypeOf<Contract['fileIdList']>().toEqualTypeOf<string[]>();
    expectTypeOf<Contract['paymentFrequency']>().toEqualTypeOf<
      'monthly' | 'quarterly' | 'half-yearly' | 'yearly' | 'single' | null
    >();
    expectTypeOf<Contract>().not.toHaveProperty('callbackUrl');
    expectTypeOf<Contract>().toMatchTypeOf<ExtensionFields>();
    expectTypeOf<Contract['_licensePlate']>().toEqualTypeOf<ExtensionFields[`_${string}`]>();
    expectTypeOf<ContractStatus>().toEqualTypeOf<
      100 | 110 | 120 | 130 | 140 | 190 | 230 | 240 | 250 | 320 | 330 | 410 | 420 | 430
    >();
  });

  it('a client create names the field its type needs', () => {
    const person: ClientCreate = { type: 'person', lastName: 'Huber' };
    const company: ClientCreate = { type: 'company', companyName: 'Acme GmbH', _crm: { id: 1 } };
    void person;
    void company;
    // @ts-expect-error: a company needs companyName
    const nameless: ClientCreate = { type: 'company', lastName: 'Huber' };
    void nameless;
    expectTypeOf<Client['type']>().toEqualTypeOf<'person' | 'company'>();
    expectTypeOf<FileRecord['size']>().toEqualTypeOf<number>();
  });

  it('problems and callback events', () => {
    expectTypeOf<Problem['errors']>().toEqualTypeOf<{ field: string; message: string; line?: number }[] | undefined>();
    expectTypeOf<CallbackEvent['changedBy']>().toEqualTypeOf<'provider' | 'consumer'>();
    expectTypeOf<CallbackEvent['previousStatus']>().toEqualTypeOf<ContractStatus | null>();
  });
});
