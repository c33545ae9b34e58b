import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-WRITES-010',
  area: 'WRITES',
  section: '§7, §2',
  severity: 'error',
  title: 'PATCH changes only the fields given and bumps `version` by one',
  spec: '`PATCH /v1/client` — partial update; `200` with the full record; `version` grows by one on every change.',
  fix: 'Merge the given fields into the stored record, increment version, set updatedAt, and answer with the record.',
  needs: ['writes'],
  check: (o) => {
    const exchanges = byProbe(o, 'writes.client-patch');
    const failures = exchanges.flatMap((e) => {
      const r = e.response!;
      if (r.status !== 200) return [{ message: `answered ${r.status}, expected 200`, exchange: e }];
      const before = e.note!.before as Record<string, unknown>;
      const changed = e.note!.changed as Record<string, unknown>;
      const after = r.json as Record<string, unknown>;
      const wrong: string[] = [];
      if (after.version !== (before.version as number) + 1)
        wrong.push(`version ${String(after.version)} after ${String(before.version)}`);
      for (const [k, v] of Object.entries(changed))
        if (after[k] !== v) wrong.push(`'${k}' is ${JSON.stringify(after[k])}, sent ${JSON.stringify(v)}`);
      for (const k of ['lastName', 'firstName', 'externalId', 'type'])
        if (after[k] !== before[k]) wrong.push(`'${k}' changed although it was not sent`);
      return wrong.map((message) => ({ message, exchange: e }));
    });
    return verdictOf(failures, exchanges.length);
  },
});
