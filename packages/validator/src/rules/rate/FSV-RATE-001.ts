import { retryAfterMs } from '../../http.js';
import { byProbe, defineRule, pass, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-RATE-001',
  area: 'RATE',
  section: '§7',
  severity: 'error',
  title: 'A 429 carries Retry-After',
  spec: 'Every consumer has a request budget; past it, `429` with `Retry-After`.',
  fix: 'Send `Retry-After` (seconds) with every 429 so that clients know when to come back.',
  check: (o) => {
    const limited = byProbe(o, 'rate.429');
    if (limited.length === 0) return pass('no 429 during the run');
    const failures = limited
      .filter((e) => retryAfterMs(e.response!.headers['retry-after']) === undefined)
      .map((e) => ({ message: 'a 429 without a readable Retry-After', exchange: e }));
    return verdictOf(failures.slice(0, 3), limited.length);
  },
});
