import { filterRule } from './filter-rule.js';

export default filterRule(
  'FSV-READ-014',
  'external-id',
  '`GET /v1/client-list?external-id=X` returns the consumer’s clients with that `externalId`.',
);
