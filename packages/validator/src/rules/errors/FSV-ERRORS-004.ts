import { defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-ERRORS-004',
  area: 'ERRORS',
  section: '§2, §3',
  severity: 'error',
  title: 'Bad input never gets a 5xx',
  spec: 'Never a 5xx for bad input; any token, however malformed, gets a 401, never a 5xx.',
  fix: 'Validate input before it reaches the database or the crypto library; map every refusal to a 4xx problem.',
  check: (o) => {
    const negative = o.exchanges.filter((e) => e.negative && e.response);
    const failures = negative
      .filter((e) => e.response!.status >= 500)
      .map((e) => ({ message: `bad input (${e.probe}) answered ${e.response!.status}`, exchange: e }));
    return verdictOf(failures, negative.length);
  },
});
