import { byProbe, defineRule, fact, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-WRITES-009',
  area: 'WRITES',
  section: '§8',
  severity: 'error',
  title: 'A proposal missing required fields gets status 110 with a statusNote naming them',
  spec: 'When a proposal is requested (120) and a field of the product’s `requiredFields` is missing, the provider sets 110 and lists the missing fields in `statusNote`.',
  fix: 'On 120, compare the contract with the product’s requiredFields; set 110 and write the missing names into statusNote.',
  needs: ['writes'],
  check: (o) => {
    const exchanges = byProbe(o, 'writes.required-missing').filter((e) => e.response!.status === 201);
    const product = fact<{ requiredFields: string[] }>(o, 'writes.required-missing.product');
    const failures = exchanges.flatMap((e) => {
      const record = e.response!.json as Record<string, unknown>;
      if (record.status !== 110)
        return [{ message: `status ${String(record.status)}, expected 110 (required fields missing)`, exchange: e }];
      const note = typeof record.statusNote === 'string' ? record.statusNote : '';
      const named = (product?.requiredFields ?? []).some((f) => note.includes(f));
      return named
        ? []
        : [
            {
              message: `statusNote ${JSON.stringify(record.statusNote)} names none of the missing fields`,
              exchange: e,
            },
          ];
    });
    return verdictOf(failures, exchanges.length, 'no product with required fields');
  },
});
