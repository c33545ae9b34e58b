import { refusedTokenRule } from './refused-token.js';

export default refusedTokenRule(
  'FSV-AUTH-011',
  'stranger-key',
  'The provider verifies with the consumer’s registered public key only.',
  'Look keys up only by (consumer, kid) in your own registry; ignore jku, x5u and jwk headers.',
);
