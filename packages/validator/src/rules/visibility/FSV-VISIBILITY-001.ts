import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-VISIBILITY-001',
  area: 'VISIBILITY',
  section: '§4',
  severity: 'error',
  title: 'Another consumer’s ids in T-list behave like ids that do not exist',
  spec: 'Ids of records a consumer may not see behave exactly like ids that do not exist: they are silently left out of lists.',
  fix: 'Scope every list query by the consumer (owner) before matching ids.',
  needs: ['second-consumer'],
  check: (o) => {
    const exchanges = byProbe(o, 'visibility.list.');
    const failures = exchanges.flatMap((e) => {
      const type = e.probe.slice('visibility.list.'.length);
      const unknown = byProbe(o, `visibility.list-unknown.${type}`)[0];
      const r = e.response!;
      const leaked = Array.isArray(r.json) ? r.json.length : 0;
      if (leaked > 0)
        return [{ message: `the second consumer received ${leaked} ${type} records of the first`, exchange: e }];
      if (unknown && (unknown.response!.status !== r.status || unknown.response!.text !== r.text))
        return [
          {
            message: `the first consumer's ${type} ids answer ${r.status}, unknown ids ${unknown.response!.status}`,
            exchange: e,
          },
        ];
      return [];
    });
    return verdictOf(failures, exchanges.length, 'the first consumer has no records to hide');
  },
});
