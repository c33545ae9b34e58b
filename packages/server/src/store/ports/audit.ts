import type { ActorKind, AuditAction, AuditTargetType } from '@finum-sync/spec/admin';

/** The store port's slice for the audit trail: its rows, its part of a transaction, its reads (all slices: ../port.ts). */

/** Who did an administrative action (the audit trail). */
export interface Actor {
  readonly kind: ActorKind;
  readonly name: string;
  /** The client address of an HTTP request. */
  readonly address?: string | null;
}

/** An entry of the audit trail, as the action writes it in its transaction. */
export interface NewAuditEntry {
  readonly actor: Actor;
  readonly action: AuditAction;
  readonly targetType: AuditTargetType;
  /** `null` when the action has no single target (an import). */
  readonly targetId: string | null;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface AuditRow extends NewAuditEntry {
  readonly id: string;
  readonly atMs: number;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface AuditFilter {
  action?: AuditAction;
  actorKind?: ActorKind;
  targetType?: AuditTargetType;
  targetId?: string;
  sinceMs?: number;
  untilMs?: number;
  limit?: number;
}

export interface AuditTx {
  /** Writes an entry of the audit trail, at the transaction's time; it commits with the action. */
  appendAudit(entry: NewAuditEntry): Promise<AuditRow>;
}

/** The audit trail as the back office reads it (entries are written with {@link AuditTx}). */
export interface AuditStore {
  /** The audit trail, newest first. */
  listAudit(filter: AuditFilter): Promise<AuditRow[]>;
  /** Calls `listener` with every audit entry once its transaction has committed (to log it); returns the unsubscribe. */
  onAudit(listener: (entry: AuditRow) => void): () => void;
}
