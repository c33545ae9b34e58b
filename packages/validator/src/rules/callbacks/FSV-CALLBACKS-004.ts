import { defineRule, skip, verdictOf } from '../../rule.js';
import { callbackObservations } from './received.js';

export default defineRule({
  id: 'FSV-CALLBACKS-004',
  area: 'CALLBACKS',
  section: '§8',
  severity: 'error',
  title: 'A callback answered 503 is retried with the same webhook-id',
  spec: 'Delivered at least once: any non-2xx answer is retried …; `webhook-id` stays the same across retries and the consumer de-duplicates by it.',
  fix: 'Keep the delivery (with its id) in an outbox; retry non-2xx answers with backoff and the same webhook-id.',
  needs: ['writes', 'callbacks'],
  check: (o) => {
    const { received } = callbackObservations(o);
    if (!received?.length) return skip('no callback arrived');
    const first = received[0]!;
    if (received.length < 2) return skip('the retry did not arrive while the validator waited');
    const id = first.headers['webhook-id'];
    const retry = received[1]!;
    return retry.headers['webhook-id'] === id
      ? verdictOf([])
      : verdictOf([
          {
            message: `the retry came with webhook-id ${JSON.stringify(retry.headers['webhook-id'])}, the first with ${JSON.stringify(id)}`,
          },
        ]);
  },
});
