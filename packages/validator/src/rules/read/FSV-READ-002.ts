import { schemaViolations } from '../../checks.js';
import { defineRule, onePer, verdictOf } from '../../rule.js';
import { listAnswers } from './list-answers.js';

export default defineRule({
  id: 'FSV-READ-002',
  area: 'READ',
  section: '§5, §2',
  severity: 'error',
  title: 'Records match the published schema of their type',
  spec: 'Every record type has the fields of §5 with the types of §2 (ids, RFC 3339 timestamps, dates, decimal strings, enums); unset fields are `null`.',
  fix: 'Serialize records with the published JSON schema (packages/spec/openapi.json, components.schemas): every standard field present, of its type.',
  check: (o) => {
    const answers = listAnswers(o);
    const failures = answers.flatMap(({ e, type, records }) =>
      records.flatMap((r) =>
        schemaViolations(type, r).map((v) => ({ message: `${type} ${String(r.id)}: ${v}`, exchange: e })),
      ),
    );
    // One finding per type and field, however many records share the defect.
    return verdictOf(
      onePer(failures, (f) => f.message.replace(/ \S+: (\S+).*/, ' $1')),
      answers.length,
    );
  },
});
