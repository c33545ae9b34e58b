import { refusedTokenRule } from './refused-token.js';

export default refusedTokenRule(
  'FSV-AUTH-012',
  'unknown-kid',
  'The `kid` header picks one of the consumer’s keys; key material is looked up only by (consumer, `kid`).',
  'Refuse a token whose `kid` names no registered key of the consumer.',
);
