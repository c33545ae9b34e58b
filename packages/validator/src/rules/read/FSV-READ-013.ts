import { filterRule } from './filter-rule.js';

export default filterRule(
  'FSV-READ-013',
  'holder-id',
  '`GET /v1/contract-list?holder-id=X` returns all visible contracts whose `holderId` is X.',
);
