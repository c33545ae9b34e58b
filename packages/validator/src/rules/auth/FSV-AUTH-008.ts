import { refusedTokenRule } from './refused-token.js';

export default refusedTokenRule(
  'FSV-AUTH-008',
  'future-nbf',
  '`nbf`, if present, is honoured (60 s skew).',
  'Refuse tokens whose `nbf` lies more than 60 s ahead.',
);
