import { parseTimestamp } from '@finum-sync/spec';
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
      const body = r.json as Record<string, unknown> | undefined;
      const wrong: string[] = [];
      if (body?.authenticated !== true) wrong.push("'authenticated' is not true");
      if (body?.consumerId !== o.consumerId)
        wrong.push(`'consumerId' is ${JSON.stringify(body?.consumerId)}, not '${o.consumerId}'`);
      if (typeof body?.tokenExpiresAt !== 'string' || parseTimestamp(body.tokenExpiresAt) === undefined)
        wrong.push("'tokenExpiresAt' is not a timestamp");
      return wrong.map((message) => ({ message, exchange: e }));
    });
    return verdictOf(failures, exchanges.length);
  },
});
