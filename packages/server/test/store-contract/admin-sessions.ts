import { expect, it } from 'vitest';
import { type Get, uid } from './support.js';

/** AdminSessionStore: sessions by their hash, and their expiry. */
export function adminSessionTests(store: Get) {
  it('stores, reads and deletes a session; deletes those expired before a time', async () => {
    const live = { idHash: uid('s'), csrfToken: 'csrf', createdMs: 1_000, expiresMs: 9_000_000_000_000 };
    const expired = { idHash: uid('s'), csrfToken: 'csrf2', createdMs: 1_000, expiresMs: 2_000 };
    await store().putAdminSession(live);
    await store().putAdminSession(expired);
    expect(await store().adminSession(live.idHash)).toEqual(live);
    expect(await store().deleteAdminSessionsBefore(3_000)).toBeGreaterThanOrEqual(1);
    expect(await store().adminSession(expired.idHash)).toBeUndefined();
    expect(await store().adminSession(live.idHash)).toEqual(live);
    await store().deleteAdminSession(live.idHash);
    expect(await store().adminSession(live.idHash)).toBeUndefined();
  });
}
