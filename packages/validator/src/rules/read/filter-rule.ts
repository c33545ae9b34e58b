import type { Rule } from '../../model.js';
import { byProbe, defineRule, verdictOf } from '../../rule.js';
import { idsIn } from './list-answers.js';

/** `T-list?<param>=X`: every record seen with field X is returned, and only such records. */
export function filterRule(id: string, param: string, spec: string): Rule {
  return defineRule({
    id,
    area: 'READ',
    section: '§6',
    severity: 'error',
    title: `The \`${param}\` filter returns exactly the matching records`,
    spec,
    fix: `Filter on the field behind \`${param}\` within the consumer's records; return all matches in one answer.`,
    check: (o) => {
      const exchanges = byProbe(o, `read.filter.${param}`);
      const failures = exchanges.flatMap((e) => {
        const r = e.response!;
        const { field, value, expected } = e.note as { field: string; value: string; expected: string[] };
        if (r.status !== 200 || !Array.isArray(r.json))
          return [{ message: `${param}=${value} answered ${r.status}`, exchange: e }];
        const records = r.json as Array<Record<string, unknown>>;
        const got = new Set(idsIn(records));
        const missing = expected.filter((x) => !got.has(x));
        const wrong = records.filter((rec) => rec[field] !== value).map((rec) => String(rec.id));
        return [
          ...(missing.length
            ? [{ message: `${param}=${value} left out ${missing.slice(0, 3).join(', ')}`, exchange: e }]
            : []),
          ...(wrong.length
            ? [
                {
                  message: `${param}=${value} returned ${wrong.slice(0, 3).join(', ')} whose ${field} differs`,
                  exchange: e,
                },
              ]
            : []),
        ];
      });
      return verdictOf(failures, exchanges.length, `no record with a ${param.replace('-id', '')} value was seen`);
    },
  });
}
