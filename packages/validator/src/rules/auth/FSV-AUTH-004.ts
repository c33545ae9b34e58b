import { refusedTokenRule } from './refused-token.js';

export default refusedTokenRule(
  'FSV-AUTH-004',
  'wrong-aud',
  '`aud` must equal the provider’s audience (`PUBLIC_URL` by default).',
  'Compare `aud` with your audience on every request.',
);
