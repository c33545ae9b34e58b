import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-VISIBILITY-003',
  area: 'VISIBILITY',
  section: '§4, §6',
  severity: 'error',
  title: 'Filters never match another consumer’s records',
  spec: '`holder-id` returns visible contracts only; `external-id` returns the consumer’s own clients.',
  fix: 'Add the consumer to the WHERE clause of every filter.',
  needs: ['second-consumer'],
  check: (o) => {
    const exchanges = byProbe(o, 'visibility.filter.');
    const failures = exchanges.flatMap((e) => {
      const r = e.response!;
      const count = Array.isArray(r.json) ? r.json.length : -1;
      return r.status === 200 && count === 0
        ? []
        : [
            {
              message: `${e.probe.slice('visibility.filter.'.length)} with the first consumer's value answered ${r.status} with ${count} records`,
              exchange: e,
            },
          ];
    });
    return verdictOf(failures, exchanges.length, 'the first consumer has no records to hide');
  },
});
