import { metaViolations, schemaViolations } from '../../checks.js';
import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-WRITES-001',
  area: 'WRITES',
  section: '§7',
  severity: 'error',
  title: '`POST /v1/client` creates: 201 with the full record',
  spec: '`POST /v1/client` — create; `201` with the full record.',
  fix: 'Answer a valid create with 201 and the stored record: the fields sent, the base fields (version 1, deleted false) and nulls for the rest.',
  needs: ['writes'],
  check: (o) => {
    const exchanges = byProbe(o, 'writes.client-create');
    const failures = exchanges.flatMap((e) => {
      const r = e.response!;
      if (r.status !== 201) return [{ message: `answered ${r.status}, expected 201`, exchange: e }];
      const record = (r.json ?? {}) as Record<string, unknown>;
      const sent = e.note!.sent as Record<string, unknown>;
      const wrong = [...schemaViolations('client', record), ...metaViolations(record)];
      for (const [k, v] of Object.entries(sent))
        if (record[k] !== v) wrong.push(`'${k}' is ${JSON.stringify(record[k])}, sent ${JSON.stringify(v)}`);
      if (record.version !== 1) wrong.push(`'version' is ${JSON.stringify(record.version)}, not 1`);
      if (record.deleted !== false) wrong.push("'deleted' is not false");
      return wrong.map((message) => ({ message, exchange: e }));
    });
    return verdictOf(failures, exchanges.length);
  },
});
