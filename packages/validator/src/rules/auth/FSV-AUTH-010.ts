import { refusedTokenRule } from './refused-token.js';

export default refusedTokenRule(
  'FSV-AUTH-010',
  'tampered',
  'The JWT is verified with the consumer’s registered public key.',
  'Verify the signature over header and payload before trusting any claim.',
);
