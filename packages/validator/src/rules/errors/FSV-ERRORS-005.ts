import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-ERRORS-005',
  area: 'ERRORS',
  section: '§2, §6',
  severity: 'error',
  title: 'Bad input is refused with the right 4xx',
  spec: 'An invalid id is `400`; bad input is a 4xx problem naming the problem; unknown endpoints and files are `404`.',
  fix: 'Validate parameters and bodies against the published schemas and refuse with 400 (404 for what does not exist).',
  check: (o) => {
    // 5xx answers are FSV-ERRORS-004's.
    const exchanges = byProbe(o, 'errors.').filter((e) => e.response!.status < 500);
    const failures = exchanges
      .filter((e) => !(e.note!.expect as number[]).includes(e.response!.status))
      .map((e) => ({
        message: `${e.probe.slice('errors.'.length)} answered ${e.response!.status}, expected ${(e.note!.expect as number[]).join(' or ')}`,
        exchange: e,
      }));
    return verdictOf(failures, exchanges.length);
  },
});
