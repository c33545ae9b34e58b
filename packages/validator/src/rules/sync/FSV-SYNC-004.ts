import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-SYNC-004',
  area: 'SYNC',
  section: '§6',
  severity: 'error',
  title: '`since` is inclusive: a record changed exactly at `since` is listed',
  spec: '`T-id-list-updated?since=TS` returns the ids of visible records created, changed or deleted at or after TS.',
  fix: 'Compare with `updatedAt >= since` (not `>`), at millisecond precision.',
  check: (o) => {
    const exchanges = byProbe(o, 'sync.since-inclusive.');
    const failures = exchanges.flatMap((e) => {
      const r = e.response!;
      const { id, since } = e.note as { id: string; since: string };
      if (r.status !== 200) return [{ message: `since=${since} answered ${r.status}`, exchange: e }];
      return Array.isArray(r.json) && r.json.includes(id)
        ? []
        : [{ message: `${id}, updated at ${since}, is missing from since=${since}`, exchange: e }];
    });
    return verdictOf(failures, exchanges.length, 'no record with updatedAt was seen');
  },
});
