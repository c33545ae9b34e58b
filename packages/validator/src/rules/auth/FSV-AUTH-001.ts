import { byProbe, defineRule, expectStatus } from '../../rule.js';

export default defineRule({
  id: 'FSV-AUTH-001',
  area: 'AUTH',
  section: '§3',
  severity: 'error',
  title: 'A request without a token is refused (401)',
  spec: 'Every /v1 endpoint except the docs and openapi.json needs `Authorization: Bearer <JWT>`.',
  fix: 'Put the authentication in front of every /v1 route; answer 401 when the Authorization header is missing.',
  check: (o) => expectStatus(byProbe(o, 'auth.no-token'), [401], 'a request without Authorization'),
});
