import { hostname, userInfo } from 'node:os';
import { formatTimestamp } from '@finum-sync/spec';
import type { AuditEntry } from '@finum-sync/spec/admin';
import type { Actor, AuditRow, AuditTx, NewAuditEntry } from '../store/port.js';

/**
 * The audit trail (issue 15 item 5): every administrative action writes its entry with
 * {@link audit} inside the transaction of the action, so that neither is stored without the
 * other. The store calls its `onAudit` listeners once the transaction commits (the server logs).
 */

export type { Actor };

/** Writes an audit entry in the action's transaction. */
export function audit(tx: AuditTx, actor: Actor, entry: Omit<NewAuditEntry, 'actor'>): Promise<AuditRow> {
  return tx.appendAudit({ actor, ...entry });
}

/** The CLI acting on the database directly: the operating-system user and host. */
export function cliActor(): Actor {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry for the uid (some containers).
    user = process.env.USER ?? process.env.LOGNAME ?? `uid-${process.getuid?.() ?? '?'}`;
  }
  return { kind: 'cli', name: `${user}@${hostname()}` };
}

/** A part of the server acting on its own (`demo`: the demo provider simulator; `seed`). */
export const systemActor = (name: string): Actor => ({ kind: 'system', name });

/** An audit entry as the admin API shows it. */
export function auditView(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: formatTimestamp(row.atMs),
    actor: { kind: row.actor.kind, name: row.actor.name, address: row.actor.address ?? null },
    action: row.action,
    target: { type: row.targetType, id: row.targetId },
    detail: { ...row.detail },
  };
}
