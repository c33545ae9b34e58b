import { isHtml, problemViolations } from '../../checks.js';
import { defineRule, onePer, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-ERRORS-001',
  area: 'ERRORS',
  section: '§2',
  severity: 'error',
  title: 'Every 4xx is an RFC 9457 problem+json',
  spec: 'Errors are RFC 9457 `application/problem+json`: `{ "type", "title", "status", "detail", "errors"? }`.',
  fix: 'Render every error in one place as problem+json with `status` equal to the HTTP status.',
  check: (o) => {
    // 401 and 429 have rules of their own (FSV-AUTH-015, FSV-RATE-001); HTML is FSV-ERRORS-002's.
    const answers = o.exchanges.filter(
      (e) =>
        e.response &&
        e.response.status >= 400 &&
        e.response.status < 500 &&
        ![401, 429].includes(e.response.status) &&
        !isHtml(e.response),
    );
    const failures = answers.flatMap((e) =>
      problemViolations(e.response!).map((v) => ({ message: `${e.response!.status}: ${v}`, exchange: e })),
    );
    return verdictOf(onePer(failures, (f) => f.message).slice(0, 5), answers.length, 'no 4xx was observed');
  },
});
