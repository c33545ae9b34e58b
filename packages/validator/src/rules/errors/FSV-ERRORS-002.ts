import { isHtml } from '../../checks.js';
import { defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-ERRORS-002',
  area: 'ERRORS',
  section: '§2',
  severity: 'error',
  title: 'No HTML error pages',
  spec: 'Errors are problem+json: never an HTML page.',
  fix: 'Turn off the framework’s or proxy’s HTML error pages for /v1; answer problem+json instead.',
  check: (o) => {
    const errors = o.exchanges.filter((e) => e.response && e.response.status >= 400);
    const failures = errors
      .filter((e) => isHtml(e.response!))
      .map((e) => ({ message: `a ${e.response!.status} answered with an HTML page`, exchange: e }));
    return verdictOf(failures.slice(0, 5), errors.length, 'no error was observed');
  },
});
