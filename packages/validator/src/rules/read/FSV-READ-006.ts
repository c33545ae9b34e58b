import { defineRule, verdictOf } from '../../rule.js';
import { idsIn, listAnswers } from './list-answers.js';

export default defineRule({
  id: 'FSV-READ-006',
  area: 'READ',
  section: '§6',
  severity: 'error',
  title: 'Each record once',
  spec: '`T-list` returns the visible records among the ids, each once (also when an id is given twice).',
  fix: 'De-duplicate the requested ids before the query and return each record once.',
  check: (o) => {
    const answers = listAnswers(o);
    const failures = answers.flatMap(({ e, type, records }) => {
      const ids = idsIn(records);
      const twice = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
      return twice.length
        ? [{ message: `${type}-list returned ${twice.slice(0, 5).join(', ')} more than once`, exchange: e }]
        : [];
    });
    return verdictOf(failures, answers.length);
  },
});
