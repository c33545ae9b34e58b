import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-SYNC-007',
  area: 'SYNC',
  section: '§6',
  severity: 'error',
  title: 'A change made during the run appears after the watermark taken before it',
  spec: 'Passing X-Sync-Until as the next `since` is guaranteed to miss no change, even with concurrent writers.',
  fix: 'Set `updatedAt` when the change commits (or report changes still committing again next time); never hand out a watermark past an uncommitted change.',
  needs: ['writes'],
  check: (o) => {
    const exchanges = byProbe(o, 'writes.changes-after-watermark');
    const failures = exchanges.flatMap((e) => {
      const { id, since } = e.note as { id: string; since: string };
      const body = e.response!.json;
      return e.response!.status === 200 && Array.isArray(body) && body.includes(id)
        ? []
        : [
            {
              message: `client ${id}, changed after the watermark ${since}, is missing from since=${since}`,
              exchange: e,
            },
          ];
    });
    return verdictOf(failures, exchanges.length, 'the client could not be created and changed');
  },
});
