import { byProbe, defineRule, verdictOf } from '../../rule.js';
import { idsIn, listAnswers, requestedOf } from './list-answers.js';

export default defineRule({
  id: 'FSV-READ-008',
  area: 'READ',
  section: '§6, §4',
  severity: 'error',
  title: 'Unknown ids are silently left out; nothing unrequested is returned',
  spec: '`T-list` returns the visible records among the given ids; ids that do not exist are left out (no error, no placeholder).',
  fix: 'Answer with the records found among the requested ids only; skip ids that match nothing.',
  check: (o) => {
    const answers = listAnswers(o).filter(({ e }) => requestedOf(e).length > 0);
    const failures = answers.flatMap(({ e, type, records }) => {
      const requested = new Set(requestedOf(e));
      const extra = idsIn(records).filter((id) => !requested.has(id));
      return extra.length
        ? [{ message: `${type}-list returned ${extra.slice(0, 5).join(', ')}, which were not requested`, exchange: e }]
        : [];
    });
    // A list with an unknown id among known ones must not fail as a whole.
    const refused = byProbe(o, 'read.list.')
      .filter((e) => e.response!.status !== 200 && e.response!.status < 500)
      .map((e) => ({
        message: `a list with an unknown id among known ones answered ${e.response!.status}`,
        exchange: e,
      }));
    return verdictOf([...failures, ...refused], answers.length + refused.length);
  },
});
