import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-WRITES-006',
  area: 'WRITES',
  section: '§7',
  severity: 'error',
  title: 'An Idempotency-Key replay returns the first answer (same id, same status)',
  spec: 'POSTs honour an `Idempotency-Key` header … The same key with the same body replays the first response (same id, same status code).',
  fix: 'Store the first response per (consumer, key) for 24 h and replay it for the same body.',
  needs: ['writes'],
  check: (o) => {
    const exchanges = byProbe(o, 'writes.idempotency-replay');
    const failures = exchanges.flatMap((e) => {
      const first = o.exchanges.find((x) => x.seq === e.note!.first)?.response;
      const r = e.response!;
      if (!first) return [];
      const out = [];
      if (r.status !== first.status)
        out.push({ message: `the replay answered ${r.status}, the first request ${first.status}`, exchange: e });
      const id = (r.json as { id?: unknown } | undefined)?.id;
      const firstId = (first.json as { id?: unknown } | undefined)?.id;
      if (id !== firstId)
        out.push({
          message: `the replay has id ${JSON.stringify(id)}, the first ${JSON.stringify(firstId)}: a duplicate`,
          exchange: e,
        });
      return out;
    });
    return verdictOf(failures, exchanges.length);
  },
});
