import { metaViolations } from '../../checks.js';
import { defineRule, onePer, verdictOf } from '../../rule.js';
import { listAnswers } from './list-answers.js';

export default defineRule({
  id: 'FSV-READ-005',
  area: 'READ',
  section: '§2',
  severity: 'error',
  title: 'Every record has `id`, `createdAt`, `updatedAt`, `version` and `deleted`',
  spec: 'Every record has `id`, `createdAt`, `updatedAt`, `version` (integer from 1) and `deleted` (boolean); timestamps are RFC 3339 UTC with milliseconds.',
  fix: 'Add the five base fields to every record type, with these types.',
  check: (o) => {
    const answers = listAnswers(o);
    const failures = answers.flatMap(({ e, type, records }) =>
      records.flatMap((r) => metaViolations(r).map((v) => ({ message: `${type} ${String(r.id)}: ${v}`, exchange: e }))),
    );
    return verdictOf(
      onePer(failures, (f) => f.message.replace(/ \S+: '(\w+)'.*/, ' $1')),
      answers.length,
    );
  },
});
