import type { Store } from '@finum-sync/server/internal';
import { afterAll, beforeAll, describe } from 'vitest';
import { adminSessionTests } from './admin-sessions.js';
import { applicationTests } from './applications.js';
import { auditTests } from './audit.js';
import { blobTests } from './blobs.js';
import { consumerTests } from './consumers.js';
import { idempotencyTests } from './idempotency.js';
import { lifecycleTests } from './lifecycle.js';
import { outboxTests } from './outbox.js';
import { rateCountTests } from './rate-counts.js';
import { recordTests } from './records.js';

/**
 * The storage port's contract: what the server's callers rely on from a `Store`, tested
 * through the port alone (no SQL, no table names). Run it on any implementation:
 *
 * ```ts
 * storeContractSuite('my store', () => openMyStore(...));
 * ```
 *
 * `openStore` is called once, before the suite's tests, on an empty (freshly migrated)
 * database; the suite closes the store after them. Tests make their own ids, so they do not
 * depend on each other's data.
 */
export function storeContractSuite(name: string, openStore: () => Promise<Store>): void {
  describe(name, () => {
    let store: Store;
    beforeAll(async () => {
      store = await openStore();
    });
    afterAll(async () => {
      await store?.close();
    });
    const s = () => store;

    describe('lifecycle', () => lifecycleTests(s));
    describe('records', () => recordTests(s));
    describe('consumers, keys, auth revision, usage', () => consumerTests(s));
    describe('idempotency keys', () => idempotencyTests(s));
    describe('outbox', () => outboxTests(s));
    describe('blobs', () => blobTests(s));
    describe('applications', () => applicationTests(s));
    describe('admin sessions', () => adminSessionTests(s));
    describe('audit trail', () => auditTests(s));
    describe('rate counts', () => rateCountTests(s));
  });
}
