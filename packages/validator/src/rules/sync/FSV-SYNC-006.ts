import { byProbe, defineRule, expectStatus } from '../../rule.js';

export default defineRule({
  id: 'FSV-SYNC-006',
  area: 'SYNC',
  section: '§6',
  severity: 'error',
  title: 'An unparsable `since` is refused (400)',
  spec: '`since` … unparsable, is `400`.',
  fix: 'Parse `since` as RFC 3339 strictly (no rolled-over dates, no free text) and answer 400 otherwise.',
  check: (o) =>
    expectStatus(
      byProbe(o, 'sync.since-unparsable.').filter((e) => e.response!.status < 500),
      [400],
      'an unparsable since',
    ),
});
