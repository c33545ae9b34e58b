import { WEBHOOK_HEADERS } from '@finum-sync/spec';
import { Webhook } from 'standardwebhooks';
import { defineRule, fact, onePer, skip, verdictOf } from '../../rule.js';
import { callbackObservations } from './received.js';

export default defineRule({
  id: 'FSV-CALLBACKS-002',
  area: 'CALLBACKS',
  section: '§8',
  severity: 'error',
  title: 'Callbacks are signed per Standard Webhooks with the consumer’s callback secret',
  spec: 'Signed per the Standard Webhooks specification: headers `webhook-id`, `webhook-timestamp`, `webhook-signature` (`v1,` HMAC-SHA256 with the consumer’s callback secret).',
  fix: 'Sign `<id>.<timestamp>.<body>` with HMAC-SHA256 and the base64 key of `whsec_…`; send the three headers.',
  needs: ['writes', 'callbacks'],
  check: (o) => {
    const { received } = callbackObservations(o);
    if (!received?.length) return skip('no callback arrived');
    const secret = fact<string>(o, 'callbacks.secret');
    const failures = received.flatMap((c) => {
      const missing = Object.values(WEBHOOK_HEADERS).filter((h) => !c.headers[h]);
      if (missing.length) return [{ message: `a callback without ${missing.join(', ')}` }];
      if (!/(^|\s)v1,/.test(c.headers[WEBHOOK_HEADERS.signature]!))
        return [{ message: 'webhook-signature has no v1 signature' }];
      if (!secret) return [];
      try {
        new Webhook(secret).verify(c.body, c.headers);
        return [];
      } catch (error) {
        return [{ message: `the signature does not verify with the callback secret (${(error as Error).message})` }];
      }
    });
    return verdictOf(
      onePer(failures, (f) => f.message),
      received.length,
    );
  },
});
