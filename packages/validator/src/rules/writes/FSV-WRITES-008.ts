import { type ContractStatus, checkConsumerTransition, isContractStatus } from '@finum-sync/spec';
import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-WRITES-008',
  area: 'WRITES',
  section: '§8',
  severity: 'error',
  title: 'Status transitions are allowed and refused per the lifecycle table',
  spec: 'Consumer transitions: 100/110/130 → 120; 130 → 230; 100/110/120/130 → 190. Any other consumer transition is `409` with a `detail` naming the allowed ones; provider-only statuses are read-only (`400`).',
  fix: 'Check every consumer status change against the lifecycle table; refuse others with 409 listing the allowed targets.',
  needs: ['writes'],
  check: (o) => {
    const exchanges = byProbe(o, 'writes.transition').filter(
      (e) => e.response!.status < 500 && isContractStatus(e.note!.from) && isContractStatus(e.note!.to),
    );
    const failures = exchanges.flatMap((e) => {
      const from = e.note!.from as ContractStatus;
      const to = e.note!.to as ContractStatus;
      const verdict = checkConsumerTransition(from, to);
      const r = e.response!;
      if (verdict.ok)
        return r.status === 200
          ? []
          : [{ message: `${from} → ${to} is allowed, but answered ${r.status}`, exchange: e }];
      // A provider-only status is a read-only value (400, §7) or a refused transition (409, §8).
      const refusals = verdict.reason === 'provider-only' ? [400, 409] : [409];
      if (!refusals.includes(r.status))
        return [{ message: `${from} → ${to} is not allowed, but answered ${r.status}`, exchange: e }];
      if (r.status !== 409) return [];
      const unnamed = verdict.allowed.filter((s) => !r.text.includes(String(s)));
      return unnamed.length
        ? [{ message: `the 409 for ${from} → ${to} does not name the allowed ${unnamed.join(', ')}`, exchange: e }]
        : [];
    });
    return verdictOf(failures, exchanges.length, 'no contract to move');
  },
});
