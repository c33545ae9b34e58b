import { byProbe, defineRule, pass, skip, verdictOf } from '../../rule.js';

export const IDS_WITHOUT_PAGINATION = 50_000;
export const RESPONSE_LIMIT_BYTES = 5 * 1024 * 1024;

export default defineRule({
  id: 'FSV-SYNC-010',
  area: 'SYNC',
  section: '§6',
  severity: 'error',
  title: '50,000 ids in one id-list-updated answer, inside 5 MB',
  spec: 'id-list-updated must answer 50,000 ids in one response well inside 5 MB.',
  fix: 'Stream the id array without per-id padding; keep ids short.',
  check: (o) => {
    const exchanges = byProbe(o, 'read.ids.').filter(
      (e) => e.response!.status === 200 && Array.isArray(e.response!.json),
    );
    const big = exchanges.filter((e) => (e.response!.json as unknown[]).length >= IDS_WITHOUT_PAGINATION);
    if (big.length === 0) {
      const most = Math.max(0, ...exchanges.map((e) => (e.response!.json as unknown[]).length));
      return skip(`the provider holds at most ${most} ids of a type, fewer than ${IDS_WITHOUT_PAGINATION}`);
    }
    const failures = big
      .filter((e) => e.response!.bytes > RESPONSE_LIMIT_BYTES)
      .map((e) => ({
        message: `${(e.response!.json as unknown[]).length} ids took ${e.response!.bytes} bytes`,
        exchange: e,
      }));
    return failures.length ? verdictOf(failures) : pass();
  },
});
