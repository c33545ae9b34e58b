import { byProbe, defineRule, verdictOf } from '../../rule.js';
import { idsIn, visibleOf } from '../read/list-answers.js';

export default defineRule({
  id: 'FSV-SYNC-008',
  area: 'SYNC',
  section: '§6, §2',
  severity: 'error',
  title: 'Every listed id is delivered by T-list, tombstones included',
  spec: 'Records are never removed from the sync view: `T-list` returns the records among the ids, tombstones (`deleted: true`) included.',
  fix: 'Keep removed records as tombstones and deliver them (with `deleted: true`) like any record.',
  check: (o) => {
    const exchanges = byProbe(o, 'read.list.').filter(
      (e) => e.response!.status === 200 && Array.isArray(e.response!.json),
    );
    const failures = exchanges.flatMap((e) => {
      const got = new Set(idsIn(e.response!.json as Array<Record<string, unknown>>));
      const missing = visibleOf(e).filter((id) => !got.has(id));
      return missing.length
        ? [
            {
              message: `${String(e.note!.type)}-list left out ${missing.slice(0, 5).join(', ')}, listed by ${String(e.note!.type)}-id-list-updated`,
              exchange: e,
            },
          ]
        : [];
    });
    return verdictOf(failures, exchanges.length);
  },
});
