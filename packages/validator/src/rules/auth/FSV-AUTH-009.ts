import { refusedTokenRule } from './refused-token.js';

export default refusedTokenRule(
  'FSV-AUTH-009',
  'future-iat',
  '`iat` is not more than 60 s in the future.',
  'Refuse tokens whose `iat` lies more than 60 s ahead.',
);
