import { defineRule, verdictOf } from '../../rule.js';
import { idsIn, listAnswers, requestedOf } from './list-answers.js';

export default defineRule({
  id: 'FSV-READ-007',
  area: 'READ',
  section: '§6',
  severity: 'info',
  title: 'Records come in the order of `id-list`',
  spec: 'The SPEC does not fix an order; consumers expect the order of `id-list` (this project’s OpenAPI document promises it).',
  fix: 'Return the records in the order their ids were given.',
  check: (o) => {
    const answers = listAnswers(o).filter(({ e }) => requestedOf(e).length > 0);
    const failures = answers.flatMap(({ e, type, records }) => {
      const position = new Map(requestedOf(e).map((id, i) => [id, i]));
      // Each id's first place: repeated records are FSV-READ-006's.
      const order = [...new Set(idsIn(records))].map((id) => position.get(id) ?? -1).filter((i) => i >= 0);
      const sorted = order.every((p, i) => i === 0 || p > order[i - 1]!);
      return sorted ? [] : [{ message: `${type}-list did not keep the order of id-list`, exchange: e }];
    });
    return verdictOf(failures, answers.length);
  },
});
