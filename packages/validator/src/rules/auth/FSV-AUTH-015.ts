import { problemViolations } from '../../checks.js';
import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-AUTH-015',
  area: 'AUTH',
  section: '§3, §2',
  severity: 'error',
  title: 'A 401 is a problem+json whose detail says which rule failed',
  spec: 'Failure: `401` problem+json with a `detail` that says which rule failed (expired, wrong audience, unknown consumer, bad signature…).',
  fix: 'Render authentication failures as RFC 9457 problems with `status: 401` and a detail naming the failed check.',
  check: (o) => {
    const refusals = byProbe(o, 'auth.').filter((e) => e.response!.status === 401);
    const failures = refusals.flatMap((e) =>
      problemViolations(e.response!).map((v) => ({ message: `401 body: ${v}`, exchange: e })),
    );
    return verdictOf(failures, refusals.length, 'no 401 was observed');
  },
});
