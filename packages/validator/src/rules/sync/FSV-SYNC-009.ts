import { defineRule, pass, verdictOf } from '../../rule.js';
import { listAnswers } from '../read/list-answers.js';

export default defineRule({
  id: 'FSV-SYNC-009',
  area: 'SYNC',
  section: '§2',
  severity: 'info',
  title: 'Tombstones are delivered with `deleted: true`',
  spec: 'A removed record stays as a tombstone with `deleted: true`.',
  fix: 'Deliver removed records as tombstones; if you have none yet, this rule can only note it.',
  check: (o) => {
    const tombstones = listAnswers(o).flatMap(({ records }) => records.filter((r) => r.deleted === true));
    return tombstones.length > 0
      ? pass(`${tombstones.length} tombstones seen`)
      : verdictOf([{ message: 'no tombstone was seen among the records read; removals could not be checked' }]);
  },
});
