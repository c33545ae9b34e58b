import type { RecordType } from '@finum-sync/spec';
import type { Exchange, Observations } from '../../model.js';
import { byProbe } from '../../rule.js';

/** The T-list answers of the read scenario (samples, 1,000 ids, filters) that are 200 with a JSON array. */
export function listAnswers(
  o: Observations,
): Array<{ e: Exchange; type: RecordType; records: Array<Record<string, unknown>> }> {
  return [...byProbe(o, 'read.list.'), ...byProbe(o, 'read.list-1000.'), ...byProbe(o, 'read.filter.')]
    .filter((e) => e.response!.status === 200 && Array.isArray(e.response!.json))
    .map((e) => ({
      e,
      type: e.note!.type as RecordType,
      records: (e.response!.json as unknown[]).filter(
        (r): r is Record<string, unknown> => r !== null && typeof r === 'object' && !Array.isArray(r),
      ),
    }));
}

/** The ids of the records of an answer. */
export const idsIn = (records: ReadonlyArray<Record<string, unknown>>) => records.map((r) => r.id as string);

export const requestedOf = (e: Exchange) => (e.note?.requested as string[] | undefined) ?? [];
export const visibleOf = (e: Exchange) => (e.note?.visible as string[] | undefined) ?? [];
