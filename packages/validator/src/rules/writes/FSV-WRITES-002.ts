import { schemaViolations } from '../../checks.js';
import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-WRITES-002',
  area: 'WRITES',
  section: '§7, §8',
  severity: 'error',
  title: '`POST /v1/contract` creates with status 100 or 120: 201 with the full record',
  spec: '`POST /v1/contract` — create with `status` 100 or 120 (default 120); `201` with the full record.',
  fix: 'Accept contracts for the consumer’s own clients with status 100 (draft) or 120, and answer 201 with the record.',
  needs: ['writes'],
  check: (o) => {
    const exchanges = byProbe(o, 'writes.contract-create');
    const failures = exchanges.flatMap((e) => {
      const r = e.response!;
      if (r.status !== 201) return [{ message: `answered ${r.status}, expected 201`, exchange: e }];
      const record = (r.json ?? {}) as Record<string, unknown>;
      const sent = JSON.parse(e.request.body ?? '{}') as Record<string, unknown>;
      const wrong = schemaViolations('contract', record);
      if (record.status !== sent.status)
        wrong.push(`status is ${JSON.stringify(record.status)}, created with ${String(sent.status)}`);
      if (record.holderId !== sent.holderId) wrong.push("'holderId' is not the one sent");
      return wrong.map((message) => ({ message, exchange: e }));
    });
    return verdictOf(failures, exchanges.length, 'no active product to create a contract for');
  },
});
