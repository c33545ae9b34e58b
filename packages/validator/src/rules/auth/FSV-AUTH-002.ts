import { refusedTokenRule } from './refused-token.js';

export default refusedTokenRule(
  'FSV-AUTH-002',
  'none',
  'Accepted algorithms are RS256, PS256, ES256 and EdDSA; never `none`.',
  'Verify with an explicit list of algorithms (the key’s own); never accept an unsigned token.',
);
