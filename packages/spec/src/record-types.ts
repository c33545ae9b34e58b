// Without TypeBox: see key-rules.ts.

/**
 * The record types of SPEC §5, in the order the API documents them.
 * @example
 * for (const type of RECORD_TYPES) console.log(`/v1/${type}-list`);
 */
export const RECORD_TYPES = ['client', 'product', 'user', 'contract', 'file'] as const;

/**
 * A record type: `'client' | 'product' | 'user' | 'contract' | 'file'`.
 * @example
 * const type: RecordType = 'contract';
 */
export type RecordType = (typeof RECORD_TYPES)[number];
