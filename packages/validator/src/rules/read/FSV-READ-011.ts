import { byProbe, defineRule, expectStatus } from '../../rule.js';

export default defineRule({
  id: 'FSV-READ-011',
  area: 'READ',
  section: '§6',
  severity: 'error',
  title: 'A T-list call without a filter is refused (400)',
  spec: 'A `T-list` call without any filter is `400` (lists are always bounded).',
  fix: 'Require `id-list` (or a documented filter) on every T-list call; never answer with everything.',
  check: (o) =>
    expectStatus(
      byProbe(o, 'read.no-filter.').filter((e) => e.response!.status < 500),
      [400],
      'a T-list call without a filter',
    ),
});
