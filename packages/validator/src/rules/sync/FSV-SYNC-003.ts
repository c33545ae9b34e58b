import { parseTimestamp } from '@finum-sync/spec';
import { defineRule, verdictOf } from '../../rule.js';
import { idListAnswers, WATERMARK } from './watermarks.js';

/**
 * The `Date` header has whole seconds, and servers cache it (Node refreshes it on a
 * timer that runs late on a busy event loop): a watermark up to this far past `Date`
 * is not a finding.
 */
const DATE_TOLERANCE_MS = 5000;

export default defineRule({
  id: 'FSV-SYNC-003',
  area: 'SYNC',
  section: '§6',
  severity: 'error',
  title: 'X-Sync-Until is not after the provider’s clock',
  spec: 'Passing X-Sync-Until as the next `since` is guaranteed to miss no change: it cannot lie after the moment of the answer.',
  fix: 'Take the watermark from the database clock at (or before) the start of the query, minus the start of any write still committing.',
  check: (o) => {
    const answers = idListAnswers(o).filter((e) => parseTimestamp(e.response!.headers[WATERMARK] ?? '') !== undefined);
    const failures = answers.flatMap((e) => {
      const r = e.response!;
      const until = parseTimestamp(r.headers[WATERMARK]!)!;
      const date = Date.parse(r.headers.date ?? '');
      // Without a Date header (RFC 9110 wants one) the provider's clock is unknown.
      if (Number.isNaN(date)) return [];
      return until > date + DATE_TOLERANCE_MS
        ? [
            {
              message: `X-Sync-Until ${r.headers[WATERMARK]} lies after the answer's Date (${r.headers.date ?? 'none'})`,
              exchange: e,
            },
          ]
        : [];
    });
    return verdictOf(failures.slice(0, 3), answers.length, 'no readable X-Sync-Until was seen');
  },
});
