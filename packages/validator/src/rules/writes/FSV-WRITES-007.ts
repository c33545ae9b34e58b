import { byProbe, defineRule, expectStatus } from '../../rule.js';

export default defineRule({
  id: 'FSV-WRITES-007',
  area: 'WRITES',
  section: '§7',
  severity: 'error',
  title: 'An Idempotency-Key reused with another body is a 422',
  spec: 'The same key … with another body it is `422`.',
  fix: 'Store a hash of the first body with the key; answer 422 when a later request with the key differs.',
  needs: ['writes'],
  check: (o) =>
    expectStatus(
      byProbe(o, 'writes.idempotency-other-body').filter((e) => e.response!.status < 500),
      [422],
      'the key with another body',
    ),
});
