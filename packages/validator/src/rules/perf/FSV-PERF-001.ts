import { byProbe, defineRule, verdictOf } from '../../rule.js';

/** A consumer's sync fetches records 1,000 at a time: slower than this makes a full sync an hour-long job. */
export const LIST_1000_BUDGET_MS = 2000;

export default defineRule({
  id: 'FSV-PERF-001',
  area: 'PERF',
  section: '§6',
  severity: 'warn',
  title: `contract-list with 1,000 ids answers within ${LIST_1000_BUDGET_MS / 1000} s`,
  spec: '`id-list` accepts at least 1,000 ids in one call; consumers sync by fetching records 1,000 at a time.',
  fix: 'Fetch the records by primary key in one query; serialize without per-record round trips.',
  check: (o) => {
    const exchanges = byProbe(o, 'read.list-1000.').filter((e) => e.response!.status === 200);
    const failures = exchanges
      .filter((e) => e.response!.ms > LIST_1000_BUDGET_MS)
      .map((e) => ({ message: `took ${Math.round(e.response!.ms)} ms`, exchange: e }));
    return verdictOf(failures, exchanges.length);
  },
});
