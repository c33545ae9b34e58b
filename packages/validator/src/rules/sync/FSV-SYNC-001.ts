import { defineRule, verdictOf } from '../../rule.js';
import { idListAnswers, WATERMARK } from './watermarks.js';

export default defineRule({
  id: 'FSV-SYNC-001',
  area: 'SYNC',
  section: '§6',
  severity: 'error',
  title: 'Every id-list-updated answer carries X-Sync-Until',
  spec: 'Every id-list-updated response carries the header `X-Sync-Until: <timestamp>`.',
  fix: 'Send `X-Sync-Until` with every 200 of T-id-list-updated (and expose it to browsers with CORS).',
  check: (o) => {
    const answers = idListAnswers(o);
    const failures = answers
      .filter((e) => e.response!.headers[WATERMARK] === undefined)
      .map((e) => ({ message: 'no X-Sync-Until header', exchange: e }));
    return verdictOf(failures.slice(0, 3), answers.length);
  },
});
