import { parseTimestamp } from '@finum-sync/spec';
import { defineRule, verdictOf } from '../../rule.js';
import { idListAnswers, WATERMARK } from './watermarks.js';

export default defineRule({
  id: 'FSV-SYNC-002',
  area: 'SYNC',
  section: '§6, §2',
  severity: 'error',
  title: 'X-Sync-Until is an RFC 3339 timestamp',
  spec: 'Timestamps are RFC 3339 in UTC with milliseconds; the watermark is passed back as `since`.',
  fix: 'Write the watermark like every timestamp: `2026-11-23T10:15:30.123Z`.',
  check: (o) => {
    const answers = idListAnswers(o).filter((e) => e.response!.headers[WATERMARK] !== undefined);
    const failures = answers
      .filter((e) => parseTimestamp(e.response!.headers[WATERMARK]!) === undefined)
      .map((e) => ({
        message: `X-Sync-Until '${e.response!.headers[WATERMARK]}' is not an RFC 3339 timestamp`,
        exchange: e,
      }));
    return verdictOf(failures.slice(0, 3), answers.length, 'no X-Sync-Until was seen');
  },
});
