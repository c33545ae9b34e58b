import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-VISIBILITY-004',
  area: 'VISIBILITY',
  section: '§4',
  severity: 'error',
  title: 'Another consumer’s file answers exactly like a file that does not exist',
  spec: 'Ids of records it may not see … return 404 on single-record operations. Nothing leaks through any status code or error text.',
  fix: 'Look the file up within the consumer’s visible files; answer the same 404 (same text) as for an unknown id.',
  needs: ['second-consumer'],
  check: (o) => {
    const foreign = byProbe(o, 'visibility.download')[0];
    const unknown = byProbe(o, 'visibility.download-unknown')[0];
    if (!foreign || !unknown) return verdictOf([], 0, 'the first consumer has no file to hide');
    const a = foreign.response!;
    const b = unknown.response!;
    const sameText =
      a.text.replaceAll(String(foreign.note!.foreign), '<id>') ===
      b.text.replaceAll(String(unknown.note!.unknown), '<id>');
    if (a.status === 200)
      return verdictOf([{ message: 'the second consumer downloaded the first consumer’s file', exchange: foreign }]);
    if (a.status !== b.status || !sameText)
      return verdictOf([
        {
          message: `the first consumer's file answers ${a.status}, an unknown id ${b.status}; the texts differ: ${!sameText}`,
          exchange: foreign,
        },
      ]);
    return verdictOf([]);
  },
});
