import { refusedFieldRule } from './refused-field.js';

export default refusedFieldRule(
  'FSV-WRITES-003',
  'writes.unknown-field',
  'an unknown field (no `_`)',
  'Unknown fields without `_` → `400` naming them.',
);
