// Without TypeBox: see key-rules.ts.

/**
 * Where the applicant's public key comes from.
 * @example
 * KEY_SOURCES.includes('browser'); // true
 */
export const KEY_SOURCES = ['pasted', 'browser', 'provider'] as const;
/**
 * `'pasted' | 'browser' | 'provider'`.
 * @example
 * const source: KeySource = 'pasted';
 */
export type KeySource = (typeof KEY_SOURCES)[number];

/**
 * The states of an onboarding application.
 * @example
 * APPLICATION_STATUSES; // ['pending', 'approved', 'rejected']
 */
export const APPLICATION_STATUSES = ['pending', 'approved', 'rejected'] as const;
/**
 * `'pending' | 'approved' | 'rejected'`.
 * @example
 * const status: ApplicationStatus = 'pending';
 */
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];
