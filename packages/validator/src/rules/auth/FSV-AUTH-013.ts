import { AuthStatus } from '@finum-sync/spec';
import { valueViolations } from '../../checks.js';
import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-AUTH-013',
  area: 'AUTH',
  section: '§3, §6',
  severity: 'error',
  title: 'A valid token is accepted: auth-status says who the consumer is',
  spec: '`GET /v1/auth-status` → `200 { "authenticated": true, "consumerId", "tokenExpiresAt" }`.',
  fix: 'Accept tokens signed with the registered key (RS256, PS256, ES256 or EdDSA) and answer auth-status with the consumer id from `sub`.',
  check: (o) => {
    const exchanges = byProbe(o, 'auth.valid');
    const failures = exchanges.flatMap((e) => {
      const r = e.response!;
      if (r.status !== 200) return [{ message: `auth-status answered ${r.status} to a valid token`, exchange: e }];
      const wrong = valueViolations(AuthStatus, r.json);
      const consumerId = (r.json as { consumerId?: unknown } | undefined)?.consumerId;
      if (consumerId !== o.consumerId)
        wrong.push(`'consumerId' is ${JSON.stringify(consumerId)}, not '${o.consumerId}'`);
      return wrong.map((message) => ({ message, exchange: e }));
    });
    return verdictOf(failures, exchanges.length);
  },
});
