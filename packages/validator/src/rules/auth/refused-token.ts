import type { Rule } from '../../model.js';
import { byProbe, defineRule, expectStatus } from '../../rule.js';
import { REFUSED_TOKENS, type RefusedToken } from '../../tokens.js';

/** The rules "a token of this kind is refused with 401" differ only in the kind (SPEC §3). */
export function refusedTokenRule(id: string, kind: RefusedToken, spec: string, fix: string): Rule {
  return defineRule({
    id,
    area: 'AUTH',
    section: '§3',
    severity: 'error',
    title: `${REFUSED_TOKENS[kind].replace(/^a/, 'A')} is refused (401)`,
    spec,
    fix,
    check: (o) =>
      expectStatus(
        [...byProbe(o, `auth.refused.${kind}`), ...byProbe(o, `auth.refused-on-list.${kind}`)],
        [401],
        REFUSED_TOKENS[kind],
      ),
  });
}
