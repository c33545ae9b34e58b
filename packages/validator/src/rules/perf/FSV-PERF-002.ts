import { byProbe, defineRule, verdictOf } from '../../rule.js';

export const ID_LIST_BUDGET_MS = 5000;

export default defineRule({
  id: 'FSV-PERF-002',
  area: 'PERF',
  section: '§6',
  severity: 'warn',
  title: `The full id list of a type answers within ${ID_LIST_BUDGET_MS / 1000} s`,
  spec: 'id-list-updated without `since` returns every visible id at once (no pagination).',
  fix: 'Answer from an index on (consumer, updatedAt) and stream the ids.',
  check: (o) => {
    const exchanges = byProbe(o, 'read.ids.').filter((e) => e.response!.status === 200);
    const failures = exchanges
      .filter((e) => e.response!.ms > ID_LIST_BUDGET_MS)
      .map((e) => ({ message: `took ${Math.round(e.response!.ms)} ms`, exchange: e }));
    return verdictOf(failures, exchanges.length);
  },
});
