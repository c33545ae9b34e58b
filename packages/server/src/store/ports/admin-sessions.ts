/** The store port's slice for admin sessions: its rows and its interfaces (all slices: ../port.ts). */

/** A session of the admin pages, by the hash of its cookie. */
export interface AdminSessionRow {
  readonly idHash: string;
  readonly csrfToken: string;
  readonly createdMs: number;
  readonly expiresMs: number;
}

export interface AdminSessionStore {
  putAdminSession(row: AdminSessionRow): Promise<void>;
  adminSession(idHash: string): Promise<AdminSessionRow | undefined>;
  deleteAdminSession(idHash: string): Promise<void>;
  deleteAdminSessionsBefore(expiresBeforeMs: number): Promise<number>;
}
