import { refusedFieldRule } from './refused-field.js';

export default refusedFieldRule(
  'FSV-WRITES-004',
  'writes.read-only-field',
  'a read-only field',
  'Read-only fields (`createdAt`, `updatedAt`, `deleted`, `contractNumber`, provider-only statuses…) → `400`.',
);
