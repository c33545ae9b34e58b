import { refusedTokenRule } from './refused-token.js';

export default refusedTokenRule(
  'FSV-AUTH-005',
  'missing-aud',
  '`aud` is required.',
  'Refuse tokens without an `aud` claim.',
);
