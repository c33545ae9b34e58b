import type { ApplicationStatus, KeySource } from '@finum-sync/spec';
import type { AdminSessionRow, ApplicationChange, ApplicationRow } from '../port.js';
import type { Database } from '../schema.js';

/** Row mapping of the onboarding tables (applications, admin sessions). */

const num = (v: number | null) => (v == null ? null : Number(v));

export const applicationFromRow = (r: Database['applications']): ApplicationRow => ({
  id: r.id,
  status: r.status as ApplicationStatus,
  statusTokenHash: r.status_token_hash,
  idempotencyKey: r.idempotency_key,
  requestHash: r.request_hash,
  company: r.company,
  contactName: r.contact_name,
  email: r.email,
  phone: r.phone,
  website: r.website,
  intendedUse: r.intended_use,
  callbackUrl: r.callback_url,
  keySource: r.key_source as KeySource,
  publicKey: r.public_key,
  createdMs: Number(r.created_ms),
  decidedMs: num(r.decided_ms),
  rejectionReason: r.rejection_reason,
  consumerId: r.consumer_id,
  privateKey: r.private_key,
  privateKeyShownMs: num(r.private_key_shown_ms),
});

export const applicationToRow = (a: ApplicationRow): Database['applications'] => ({
  id: a.id,
  status: a.status,
  status_token_hash: a.statusTokenHash,
  idempotency_key: a.idempotencyKey,
  request_hash: a.requestHash,
  company: a.company,
  contact_name: a.contactName,
  email: a.email,
  phone: a.phone,
  website: a.website,
  intended_use: a.intendedUse,
  callback_url: a.callbackUrl,
  key_source: a.keySource,
  public_key: a.publicKey,
  created_ms: a.createdMs,
  decided_ms: a.decidedMs,
  rejection_reason: a.rejectionReason,
  consumer_id: a.consumerId,
  private_key: a.privateKey,
  private_key_shown_ms: a.privateKeyShownMs,
});

const CHANGE_COLUMNS = {
  status: 'status',
  statusTokenHash: 'status_token_hash',
  idempotencyKey: 'idempotency_key',
  decidedMs: 'decided_ms',
  rejectionReason: 'rejection_reason',
  consumerId: 'consumer_id',
  privateKey: 'private_key',
  privateKeyShownMs: 'private_key_shown_ms',
} as const satisfies Record<keyof ApplicationChange, keyof Database['applications']>;

/** The columns an application change sets. */
export function applicationChangeColumns(change: ApplicationChange): Partial<Database['applications']> {
  const out: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(CHANGE_COLUMNS)) {
    const value = change[field as keyof ApplicationChange];
    if (value !== undefined) out[column] = value;
  }
  return out as Partial<Database['applications']>;
}

export const adminSessionFromRow = (r: Database['admin_sessions']): AdminSessionRow => ({
  idHash: r.id_hash,
  csrfToken: r.csrf_token,
  createdMs: Number(r.created_ms),
  expiresMs: Number(r.expires_ms),
});
