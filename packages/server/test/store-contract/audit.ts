import type { AuditRow } from '@finum-sync/server/internal';
import { expect, it } from 'vitest';
import { type Get, uid } from './support.js';

/** AuditStore and AuditTx: entries at the transaction’s time, filters, listeners after commit. */
export function auditTests(store: Get) {
  it('appends entries at the transaction’s time and lists them newest first, filtered', async () => {
    const target = uid('c');
    const actor = { kind: 'cli' as const, name: 'tester' };
    const [first, second] = await store().transaction(async (tx) => [
      await tx.appendAudit({ actor, action: 'consumer.added', targetType: 'consumer', targetId: target }),
      await tx.appendAudit({
        actor,
        action: 'consumer.disabled',
        targetType: 'consumer',
        targetId: target,
        detail: { why: 'test' },
      }),
    ]);
    expect(first!.atMs).toBe(second!.atMs);
    const listed = await store().listAudit({ targetId: target });
    expect(listed.map((e) => e.action)).toEqual(['consumer.disabled', 'consumer.added']);
    expect(listed[0]).toEqual({ ...second, actor: { ...actor, address: null } });
    expect((await store().listAudit({ targetId: target, action: 'consumer.added' })).map((e) => e.id)).toEqual([
      first!.id,
    ]);
    expect(await store().listAudit({ targetId: target, sinceMs: first!.atMs + 1 })).toEqual([]);
  });

  it('tells listeners of entries once committed, never of rolled-back ones', async () => {
    const seen: AuditRow[] = [];
    const stop = store().onAudit((entry) => seen.push(entry));
    const target = uid('c');
    const entry = { actor: { kind: 'system' as const, name: 't' }, targetType: 'consumer' as const, targetId: target };
    try {
      await store()
        .transaction(async (tx) => {
          await tx.appendAudit({ ...entry, action: 'consumer.added' });
          throw new Error('rolled back');
        })
        .catch(() => {});
      expect(seen).toEqual([]);
      const row = await store().transaction((tx) => tx.appendAudit({ ...entry, action: 'consumer.enabled' }));
      expect(seen).toEqual([row]);
    } finally {
      stop();
    }
    await store().transaction((tx) => tx.appendAudit({ ...entry, action: 'consumer.disabled' }));
    expect(seen).toHaveLength(1);
    // Both committed (two transactions of one millisecond may list in either order).
    expect((await store().listAudit({ targetId: target })).map((e) => e.action).sort()).toEqual([
      'consumer.disabled',
      'consumer.enabled',
    ]);
  });
}
