import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-VISIBILITY-002',
  area: 'VISIBILITY',
  section: '§4, §6',
  severity: 'error',
  title: 'Another consumer’s ids never appear in T-id-list-updated',
  spec: 'A consumer sees only its own clients, contracts, users and the files attached to them (or to products).',
  fix: 'Scope the id-list-updated query by the consumer.',
  needs: ['second-consumer'],
  check: (o) => {
    const exchanges = byProbe(o, 'visibility.ids.');
    const failures = exchanges.flatMap((e) => {
      const foreign = new Set(e.note!.foreign as string[]);
      const leaked = Array.isArray(e.response!.json)
        ? (e.response!.json as unknown[]).filter((id) => foreign.has(id as string))
        : [];
      return leaked.length
        ? [
            {
              message: `${leaked.length} ids of the first consumer listed for the second (e.g. ${String(leaked[0])})`,
              exchange: e,
            },
          ]
        : [];
    });
    return verdictOf(failures, exchanges.length, 'the first consumer has no records to hide');
  },
});
