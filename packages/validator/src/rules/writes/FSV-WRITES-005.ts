import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-WRITES-005',
  area: 'WRITES',
  section: '§7',
  severity: 'error',
  title: 'A PATCH with a stale `version` is a 409 and changes nothing',
  spec: 'Optimistic concurrency: a PATCH may carry `version`; if the record has moved on, `409` and nothing changes.',
  fix: 'Compare `version` inside the write transaction (`UPDATE … WHERE version = ?`) and answer 409 when it moved on.',
  needs: ['writes'],
  check: (o) => {
    const exchanges = byProbe(o, 'writes.version-conflict').filter((e) => e.response!.status < 500);
    const failures = exchanges.flatMap((e) => {
      const out = [];
      if (e.response!.status !== 409)
        out.push({
          message: `a PATCH with the stale version ${String(e.note!.staleVersion)} answered ${e.response!.status}`,
          exchange: e,
        });
      const after = byProbe(o, 'writes.version-conflict.after')[0];
      const expected = after?.note?.expected as Record<string, unknown> | undefined;
      const now = Array.isArray(after?.response?.json)
        ? (after.response.json as Array<Record<string, unknown>>)[0]
        : undefined;
      if (after && expected && now?.city !== expected.city)
        out.push({
          message: `the refused PATCH changed the record (city is ${JSON.stringify(now?.city)})`,
          exchange: after,
        });
      return out;
    });
    return verdictOf(failures, exchanges.length, 'no client to change');
  },
});
