import type { ApplicationStatus, KeySource } from '@finum-sync/spec';

/** The store port's slice for onboarding applications: its rows, its part of a transaction, its reads (all slices: ../port.ts). */

/** An onboarding application (SPEC §9 `/onboarding/`). */
export interface ApplicationRow {
  readonly id: string;
  readonly status: ApplicationStatus;
  /** SHA-256 (hex) of the status link's token; the token itself is never stored. */
  readonly statusTokenHash: string;
  readonly idempotencyKey: string | null;
  /** SHA-256 of the submitted form, to tell a repeated submission from another one. */
  readonly requestHash: string;
  readonly company: string;
  readonly contactName: string;
  readonly email: string;
  readonly phone: string;
  readonly website: string | null;
  readonly intendedUse: string;
  readonly callbackUrl: string | null;
  readonly keySource: KeySource;
  /** SPKI PEM; null when the provider generates the pair. */
  readonly publicKey: string | null;
  readonly createdMs: number;
  readonly decidedMs: number | null;
  readonly rejectionReason: string | null;
  readonly consumerId: string | null;
  /** A provider-generated private key (PKCS#8 PEM), from approval until it is shown once. */
  readonly privateKey: string | null;
  readonly privateKeyShownMs: number | null;
}

export type ApplicationChange = Partial<
  Pick<
    ApplicationRow,
    | 'status'
    | 'statusTokenHash'
    | 'idempotencyKey'
    | 'decidedMs'
    | 'rejectionReason'
    | 'consumerId'
    | 'privateKey'
    | 'privateKeyShownMs'
  >
>;

export interface ApplicationTx {
  /** Stores a new application; false (and nothing stored) when its idempotency key is taken. */
  insertApplication(row: ApplicationRow): Promise<boolean>;
  /** An application, locked for the transaction on PostgreSQL. */
  getApplication(id: string): Promise<ApplicationRow | undefined>;
  updateApplication(id: string, change: ApplicationChange): Promise<void>;
}

/** Onboarding applications (SPEC §9). */
export interface ApplicationStore {
  /** Stores a new application; false (and nothing stored) when its idempotency key is taken. */
  insertApplication(row: ApplicationRow): Promise<boolean>;
  findApplication(
    by: { id: string } | { statusTokenHash: string } | { idempotencyKey: string },
  ): Promise<ApplicationRow | undefined>;
  /** Newest first. */
  listApplications(filter?: { status?: ApplicationStatus; limit?: number }): Promise<ApplicationRow[]>;
  /** Changes an application if it is (still) in `expectedStatus`, when given; whether it changed. */
  updateApplication(id: string, change: ApplicationChange, expectedStatus?: ApplicationStatus): Promise<boolean>;
}
