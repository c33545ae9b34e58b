import { byProbe, defineRule, expectStatus } from '../../rule.js';

export default defineRule({
  id: 'FSV-SYNC-005',
  area: 'SYNC',
  section: '§6',
  severity: 'error',
  title: '`since` in the future is refused (400)',
  spec: '`since` in the future … is `400`.',
  fix: 'Refuse a `since` later than your clock (plus a small skew tolerance) with a 400 problem.',
  check: (o) =>
    expectStatus(
      byProbe(o, 'sync.since-future').filter((e) => e.response!.status < 500),
      [400],
      'since a day ahead',
    ),
});
