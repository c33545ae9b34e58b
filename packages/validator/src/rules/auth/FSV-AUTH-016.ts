import { refusedTokenRule } from './refused-token.js';

export default refusedTokenRule(
  'FSV-AUTH-016',
  'malformed',
  'Any token, however malformed, gets a `401`, never a `5xx`.',
  'Treat a bearer value that does not parse as a JWT as a refused token (401).',
);
