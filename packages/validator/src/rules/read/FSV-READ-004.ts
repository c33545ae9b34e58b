import { nestedFields } from '../../checks.js';
import { defineRule, verdictOf } from '../../rule.js';
import { listAnswers } from './list-answers.js';

export default defineRule({
  id: 'FSV-READ-004',
  area: 'READ',
  section: '§2',
  severity: 'info',
  title: 'Records are flat (nested `_` objects are discouraged)',
  spec: 'Every field is a scalar except the documented arrays of ids; nested objects in `_` fields are allowed but discouraged.',
  fix: 'Flatten extension fields into scalars (`_addressStreet` instead of `_address: { street }`).',
  check: (o) => {
    const answers = listAnswers(o);
    const byName = new Map<string, { message: string; exchange: (typeof answers)[number]['e'] }>();
    for (const { e, type, records } of answers)
      for (const r of records)
        for (const field of nestedFields(r))
          if (!byName.has(`${type}.${field}`))
            byName.set(`${type}.${field}`, { message: `${type} field '${field}' holds a nested value`, exchange: e });
    return verdictOf([...byName.values()], answers.length);
  },
});
