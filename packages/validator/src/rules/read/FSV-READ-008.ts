import { byProbe, defineRule, verdictOf } from '../../rule.js';
import { idsIn, listAnswers, requestedOf, visibleOf } from './list-answers.js';

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
      // The requested ids that exist are `visible` (from the id list); the others exist nowhere.
      const existing = new Set(visibleOf(e));
      const requested = new Set(requestedOf(e));
      const ids = idsIn(records);
      const unrequested = ids.filter((id) => !requested.has(id));
      const unknown = ids.filter((id) => requested.has(id) && !existing.has(id));
      return [
        ...(unrequested.length
          ? [
              {
                message: `${type}-list returned ${unrequested.slice(0, 5).join(', ')}, which were not requested`,
                exchange: e,
              },
            ]
          : []),
        ...(unknown.length
          ? [
              {
                message: `${type}-list answered ids that do not exist (${unknown.slice(0, 3).join(', ')}) with records`,
                exchange: e,
              },
            ]
          : []),
      ];
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
