import { refusedTokenRule } from './refused-token.js';

export default refusedTokenRule(
  'FSV-AUTH-005',
  'missing-aud',
  '`aud` (required) must equal the provider’s audience; a token without it is refused.',
  'Refuse tokens without an `aud` claim.',
);
