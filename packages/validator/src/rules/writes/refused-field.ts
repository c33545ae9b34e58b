import type { Rule } from '../../model.js';
import { byProbe, defineRule, verdictOf } from '../../rule.js';

/** A create with one field the consumer may not send: 400 naming it, and nothing stored. */
export function refusedFieldRule(id: string, probe: string, what: string, spec: string): Rule {
  return defineRule({
    id,
    area: 'WRITES',
    section: '§7',
    severity: 'error',
    title: `A create with ${what} is refused (400 naming it) and stores nothing`,
    spec,
    fix: 'Validate the body against the create schema before writing; name every refused field in the problem.',
    needs: ['writes'],
    check: (o) => {
      const exchanges = byProbe(o, probe).filter((e) => e.response!.status < 500);
      const failures = exchanges.flatMap((e) => {
        const r = e.response!;
        const { field } = e.note as { field: string };
        const out = [];
        if (r.status !== 400)
          out.push({ message: `a create with '${field}' answered ${r.status}, expected 400`, exchange: e });
        else if (!r.text.includes(field)) out.push({ message: `the 400 does not name '${field}'`, exchange: e });
        const after = byProbe(o, `${probe}.after`).find(
          (a) => a.note!.externalId === (e.note as { externalId: string }).externalId,
        );
        const stored = Array.isArray(after?.response?.json) ? (after.response.json as unknown[]).length : 0;
        if (stored > 0)
          out.push({ message: `the refused create was stored anyway (${stored} record)`, exchange: after! });
        return out;
      });
      return verdictOf(failures, exchanges.length);
    },
  });
}
