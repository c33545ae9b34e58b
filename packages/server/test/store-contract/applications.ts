import { randomBytes } from 'node:crypto';
import type { ApplicationRow } from '@finum-sync/server/internal';
import { expect, it } from 'vitest';
import { type Get, uid } from './support.js';

function application(change: Partial<ApplicationRow> = {}): ApplicationRow {
  return {
    id: uid('app'),
    status: 'pending',
    statusTokenHash: randomBytes(16).toString('hex'),
    idempotencyKey: uid('idem'),
    requestHash: 'hash',
    company: 'Example GmbH',
    contactName: 'Ana',
    email: 'ana@example.com',
    phone: '+49 30 1234567',
    website: null,
    intendedUse: 'testing',
    callbackUrl: null,
    keySource: 'pasted',
    publicKey: 'PEM',
    createdMs: 1_000,
    decidedMs: null,
    rejectionReason: null,
    consumerId: null,
    privateKey: null,
    privateKeyShownMs: null,
    ...change,
  };
}

/** ApplicationStore and ApplicationTx: one application per idempotency key, changes guarded by status. */
export function applicationTests(store: Get) {
  it('stores an application once per idempotency key and finds it three ways', async () => {
    const app = application();
    expect(await store().insertApplication(app)).toBe(true);
    expect(await store().insertApplication({ ...application(), idempotencyKey: app.idempotencyKey })).toBe(false);
    expect(await store().findApplication({ id: app.id })).toEqual(app);
    expect(await store().findApplication({ statusTokenHash: app.statusTokenHash })).toEqual(app);
    expect(await store().findApplication({ idempotencyKey: app.idempotencyKey! })).toEqual(app);
    expect(await store().findApplication({ id: uid('none') })).toBeUndefined();
  });

  it('changes an application only while it has the expected status', async () => {
    const app = application();
    await store().insertApplication(app);
    const approval = { status: 'approved' as const, decidedMs: 2_000, consumerId: uid('c') };
    expect(await store().updateApplication(app.id, approval, 'pending')).toBe(true);
    expect(await store().updateApplication(app.id, { status: 'rejected', rejectionReason: 'late' }, 'pending')).toBe(
      false,
    );
    expect(await store().findApplication({ id: app.id })).toEqual({ ...app, ...approval });
    // Without an expected status, the change applies.
    expect(await store().updateApplication(app.id, { privateKeyShownMs: 3_000 })).toBe(true);
    expect((await store().findApplication({ id: app.id }))?.privateKeyShownMs).toBe(3_000);
  });

  it('reads and changes an application in a transaction', async () => {
    const app = application();
    expect(await store().transaction((tx) => tx.insertApplication(app))).toBe(true);
    await store().transaction(async (tx) => {
      expect((await tx.getApplication(app.id))?.status).toBe('pending');
      await tx.updateApplication(app.id, { status: 'rejected', rejectionReason: 'no', decidedMs: 5 });
    });
    expect(await store().findApplication({ id: app.id })).toMatchObject({ status: 'rejected', rejectionReason: 'no' });
  });

  it('lists applications newest first, by status', async () => {
    const older = application({ createdMs: 9_000_000_000_000 });
    const newer = application({ createdMs: 9_000_000_000_001 });
    await store().insertApplication(older);
    await store().insertApplication(newer);
    const listed = (await store().listApplications({ status: 'pending' })).map((a) => a.id);
    expect(listed.slice(0, 2)).toEqual([newer.id, older.id]);
    expect((await store().listApplications({ status: 'approved' })).some((a) => a.id === newer.id)).toBe(false);
  });
}
