import type { RecordType } from './records.js';

/**
 * The examples of the OpenAPI document: ids and bodies taken from this implementation's
 * demo data set (`DEMO=on`), so that **Try it out → Execute** in `/v1/docs/` succeeds as
 * shown after Authorize with a demo token (tested in Chromium, every operation). One table:
 * the operations, the home page and the tests read it.
 *
 * @example
 * DOC_EXAMPLES.idList.contract.join(','); // 'c-5001,c-5002': `GET /v1/contract-list?id-list=c-5001,c-5002`
 * DOC_EXAMPLES.holderId; // 'cl-1008'
 */
export const DOC_EXAMPLES = {
  /** Two ids per record type for `T-list?id-list=`. */
  idList: {
    contract: ['c-5001', 'c-5002'],
    client: ['cl-1001', 'cl-1002'],
    product: ['p-life-01', 'p-health-01'],
    user: ['u-01', 'u-02'],
    file: ['f-terms-life-01', 'f-terms-health-01'],
  } satisfies Record<RecordType, readonly string[]>,
  /** A client of the demo consumer with contracts (`contract-list?holder-id=`). */
  holderId: 'cl-1008',
  /** A client's `externalId` in the demo data (`client-list?external-id=`). */
  externalId: 'CRM-0001',
  /** A product document every consumer may download. */
  fileId: 'f-terms-life-01',
  /** A draft (status 100) contract of the demo consumer: its data can be changed. */
  draftContractId: 'c-5002',
  /** Only `startDate` is required for a proposal of this product. */
  proposalProductId: 'p-liability-01',
  since: '2026-01-01T00:00:00.000Z',
  /**
   * The status token of the demo application (public by design, like the demo credentials):
   * a rejected application with nothing to take, so that the status API can be tried.
   */
  demoStatusToken: 'demo-application-status-link-public-by-desi',
  demoApplicationId: 'app_0000000000000000000000de',
} as const;

/**
 * Request bodies that succeed against the demo data as shown.
 *
 * @example
 * const body: ClientCreate = REQUEST_EXAMPLES.clientCreate;
 * REQUEST_EXAMPLES.contractCreate.status; // 120
 */
export const REQUEST_EXAMPLES = {
  clientCreate: {
    type: 'person',
    salutation: 'Frau',
    firstName: 'Anna',
    lastName: 'Huber',
    birthDate: '1984-05-17',
    email: 'anna.huber@example.com',
    postalCode: '1010',
    city: 'Wien',
    country: 'AT',
    externalId: 'CRM-4711',
  },
  clientUpdate: { id: DOC_EXAMPLES.idList.client[0], phone: '+43 660 1234567', email: 'new.address@mail.example' },
  contractCreate: {
    holderId: DOC_EXAMPLES.idList.client[0],
    productId: DOC_EXAMPLES.proposalProductId,
    status: 120,
    startDate: '2027-01-01',
    premium: '9.90',
    currency: 'EUR',
    paymentFrequency: 'monthly',
    externalId: 'CRM-C-4711',
  },
  contractUpdate: { id: DOC_EXAMPLES.draftContractId, premium: '24.90', paymentFrequency: 'yearly' },
  fileUpload: { contractId: DOC_EXAMPLES.draftContractId, category: 'correspondence' },
} as const;
