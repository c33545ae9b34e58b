import { ValidatorInputError } from '../errors.js';
import type { Suppression } from './report.js';

/**
 * A baseline file suppresses known findings by fingerprint, each with a reason and an
 * expiry date:
 *
 * ```json
 * { "suppressions": [
 *   { "fingerprint": "3f1c9a0b2d4e5f60", "reason": "tombstones arrive with release 4.2", "expires": "2027-03-31" }
 * ] }
 * ```
 *
 * An entry is active through its expiry day (UTC); after it, it suppresses nothing and
 * fails the run, so that a known problem cannot be forgotten.
 */
export interface Baseline {
  readonly active: ReadonlyMap<string, Suppression>;
  readonly expired: readonly Suppression[];
}

/** Parses a baseline's JSON text; `ValidatorInputError` naming the first wrong entry. */
export function parseBaseline(text: string, nowMs: number = Date.now()): Baseline {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ValidatorInputError(`the baseline is not JSON: ${(error as Error).message}`);
  }
  const entries = (doc as { suppressions?: unknown })?.suppressions;
  if (!Array.isArray(entries)) throw new ValidatorInputError('the baseline needs { "suppressions": [ … ] }');
  const today = new Date(nowMs).toISOString().slice(0, 10);
  const active = new Map<string, Suppression>();
  const expired: Suppression[] = [];
  entries.forEach((entry: Record<string, unknown>, i) => {
    const where = `baseline entry ${i + 1}`;
    if (typeof entry?.fingerprint !== 'string' || !/^[0-9a-f]{16}$/.test(entry.fingerprint))
      throw new ValidatorInputError(`${where}: 'fingerprint' must be the 16 hex digits of a finding`);
    if (typeof entry.reason !== 'string' || entry.reason.trim() === '')
      throw new ValidatorInputError(`${where}: 'reason' must say why the finding is accepted`);
    if (
      typeof entry.expires !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}$/.test(entry.expires) ||
      Number.isNaN(Date.parse(entry.expires))
    )
      throw new ValidatorInputError(`${where}: 'expires' must be a date YYYY-MM-DD`);
    const s: Suppression = { fingerprint: entry.fingerprint, reason: entry.reason, expires: entry.expires };
    if (s.expires < today) expired.push(s);
    else active.set(s.fingerprint, s);
  });
  return { active, expired };
}
