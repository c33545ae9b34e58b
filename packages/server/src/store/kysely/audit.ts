import { randomBytes } from 'node:crypto';
import type { ActorKind, AuditAction, AuditTargetType } from '@finum-sync/spec/admin';
import type { AuditRow, AuditStore, AuditTx } from '../port.js';
import type { AuditLogTable } from '../schema.js';
import type { StoreContext, TxContext } from './context.js';

/** An audit entry from its row. */
function auditFromRow(row: AuditLogTable): AuditRow {
  return {
    id: row.id,
    atMs: Number(row.at_ms),
    actor: { kind: row.actor_kind as ActorKind, name: row.actor_name, address: row.actor_address },
    action: row.action as AuditAction,
    targetType: row.target_type as AuditTargetType,
    targetId: row.target_id,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  };
}

/** Who hears of committed audit entries (the store's transaction() calls them after each commit). */
export type AuditListeners = Array<(entry: AuditRow) => void>;

/** The audit trail as the back office reads it. */
export function auditStore({ read }: StoreContext, listeners: AuditListeners): AuditStore {
  return {
    async listAudit(filter) {
      let q = read
        .selectFrom('audit_log')
        .selectAll()
        .orderBy('at_ms', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.min(filter.limit ?? 100, 1000));
      if (filter.action) q = q.where('action', '=', filter.action);
      if (filter.actorKind) q = q.where('actor_kind', '=', filter.actorKind);
      if (filter.targetType) q = q.where('target_type', '=', filter.targetType);
      if (filter.targetId !== undefined) q = q.where('target_id', '=', filter.targetId);
      if (filter.sinceMs !== undefined) q = q.where('at_ms', '>=', filter.sinceMs);
      if (filter.untilMs !== undefined) q = q.where('at_ms', '<', filter.untilMs);
      return (await q.execute()).map(auditFromRow);
    },

    onAudit(listener) {
      listeners.push(listener);
      return () => {
        const at = listeners.indexOf(listener);
        if (at >= 0) listeners.splice(at, 1);
      };
    },
  };
}

/** Entries of the audit trail, written in the transaction of their action. */
export function auditTx(t: TxContext): AuditTx {
  return {
    async appendAudit(entry) {
      // Sorts by time, then by order within the transaction; random against other processes.
      const id = `aud_${t.nowMs.toString(36).padStart(9, '0')}${t.audited.length.toString(36).padStart(2, '0')}${randomBytes(6).toString('hex')}`;
      const row: AuditRow = {
        id,
        atMs: t.nowMs,
        actor: { kind: entry.actor.kind, name: entry.actor.name, address: entry.actor.address ?? null },
        action: entry.action,
        targetType: entry.targetType,
        targetId: entry.targetId,
        detail: entry.detail ?? {},
      };
      await t.trx
        .insertInto('audit_log')
        .values({
          id,
          at_ms: row.atMs,
          actor_kind: row.actor.kind,
          actor_name: row.actor.name,
          actor_address: row.actor.address ?? null,
          action: row.action,
          target_type: row.targetType,
          target_id: row.targetId,
          detail: JSON.stringify(row.detail),
        })
        .execute();
      t.audited.push(row);
      return row;
    },
  };
}
