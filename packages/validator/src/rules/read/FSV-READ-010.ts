import { MAX_IDS_PER_CALL } from '@finum-sync/spec';
import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-READ-010',
  area: 'READ',
  section: '§6',
  severity: 'error',
  title: 'More ids than the maximum: a 400 that names the maximum',
  spec: 'More than the documented maximum is a `400` that names the maximum.',
  fix: `Count the distinct ids; above the maximum (${MAX_IDS_PER_CALL}) answer 400 with the number in the detail.`,
  check: (o) => {
    const exchanges = byProbe(o, 'read.list-over-max.').filter((e) => e.response!.status < 500);
    const failures = exchanges.flatMap((e) => {
      const r = e.response!;
      if (r.status !== 400)
        return [{ message: `${MAX_IDS_PER_CALL + 1} ids answered ${r.status}, expected 400`, exchange: e }];
      const names = [String(MAX_IDS_PER_CALL), MAX_IDS_PER_CALL.toLocaleString('en')].some((n) => r.text.includes(n));
      return names ? [] : [{ message: 'the 400 does not name the maximum', exchange: e }];
    });
    return verdictOf(failures, exchanges.length, 'answered with a 5xx (see FSV-ERRORS-004)');
  },
});
