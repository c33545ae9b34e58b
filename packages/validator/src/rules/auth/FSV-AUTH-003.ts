import { refusedTokenRule } from './refused-token.js';

export default refusedTokenRule(
  'FSV-AUTH-003',
  'hs256-public-key',
  'Never an HMAC algorithm; a token whose `alg` differs from its key’s is refused.',
  'Pin the algorithm to the registered key’s; never verify HS256 with a public key as the secret.',
);
