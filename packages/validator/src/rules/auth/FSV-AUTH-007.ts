import { refusedTokenRule } from './refused-token.js';

export default refusedTokenRule(
  'FSV-AUTH-007',
  'lifetime-over-max',
  '`exp` is at most `MAX_TOKEN_LIFETIME` (default 3600 s) in the future.',
  'Refuse tokens whose `exp` lies further ahead than your maximum lifetime (plus 60 s skew).',
);
