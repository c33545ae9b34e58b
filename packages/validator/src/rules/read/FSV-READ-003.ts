import { unknownFields } from '../../checks.js';
import { defineRule, verdictOf } from '../../rule.js';
import { listAnswers } from './list-answers.js';

export default defineRule({
  id: 'FSV-READ-003',
  area: 'READ',
  section: '§2',
  severity: 'error',
  title: 'No unknown fields: provider additions start with `_`',
  spec: 'A provider may add any field whose name starts with `_`; every other field is one of the standard fields.',
  fix: 'Rename provider-specific fields with a leading `_` (e.g. `_hasEverBeenInDebt`) or drop them.',
  check: (o) => {
    const answers = listAnswers(o);
    const byName = new Map<string, { message: string; exchange: (typeof answers)[number]['e'] }>();
    for (const { e, type, records } of answers) {
      for (const r of records)
        for (const field of unknownFields(type, r))
          if (!byName.has(`${type}.${field}`))
            byName.set(`${type}.${field}`, {
              message: `${type} records carry the unknown field '${field}'`,
              exchange: e,
            });
    }
    return verdictOf([...byName.values()], answers.length);
  },
});
