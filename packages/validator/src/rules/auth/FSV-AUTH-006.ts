import { refusedTokenRule } from './refused-token.js';

export default refusedTokenRule(
  'FSV-AUTH-006',
  'expired',
  '`exp` is required; an expired token (beyond 60 s skew) is refused, on every endpoint.',
  'Check `exp` with 60 s clock skew on every request, also for cached tokens.',
);
