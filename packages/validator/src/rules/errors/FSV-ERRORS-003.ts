import { stackTraceIn } from '../../checks.js';
import { defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-ERRORS-003',
  area: 'ERRORS',
  section: '§2',
  severity: 'error',
  title: 'No stack traces or source paths in answers',
  spec: 'Errors are problem+json: never an HTML page, never a stack trace.',
  fix: 'Log internal errors on the server; send the consumer a problem with a sentence, without exception text or paths.',
  check: (o) => {
    const answers = o.exchanges.filter((e) => e.response && e.response.status >= 400);
    const failures = answers.flatMap((e) => {
      const trace = stackTraceIn(e.response!.text);
      return trace ? [{ message: `the answer shows '${trace}'`, exchange: e }] : [];
    });
    return verdictOf(failures.slice(0, 5), answers.length, 'no error was observed');
  },
});
