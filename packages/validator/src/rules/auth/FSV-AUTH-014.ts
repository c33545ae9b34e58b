import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-AUTH-014',
  area: 'AUTH',
  section: '§3',
  severity: 'error',
  title: 'A 401 carries `WWW-Authenticate: Bearer`',
  spec: 'Failure: `401` problem+json … and `WWW-Authenticate: Bearer`.',
  fix: 'Add `WWW-Authenticate: Bearer` (optionally with error="invalid_token") to every 401.',
  check: (o) => {
    const refusals = byProbe(o, 'auth.').filter((e) => e.response!.status === 401);
    const failures = refusals
      .filter((e) => !/^bearer\b/i.test(e.response!.headers['www-authenticate'] ?? ''))
      .map((e) => ({
        message: `a 401 without WWW-Authenticate: Bearer (got ${JSON.stringify(e.response!.headers['www-authenticate'] ?? null)})`,
        exchange: e,
      }));
    return verdictOf(failures, refusals.length, 'no 401 was observed');
  },
});
