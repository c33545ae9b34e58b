import { MAX_IDS_PER_CALL } from '@finum-sync/spec';
import { byProbe, defineRule, verdictOf } from '../../rule.js';
import { idsIn, visibleOf } from './list-answers.js';

export default defineRule({
  id: 'FSV-READ-009',
  area: 'READ',
  section: '§6',
  severity: 'error',
  title: `${MAX_IDS_PER_CALL.toLocaleString('en')} ids in one call are answered whole`,
  spec: '`id-list` accepts at least 1,000 ids in one call (request lines up to 64 KiB).',
  fix: 'Allow request lines of 64 KiB at every hop (proxy, gateway, server) and query all ids of the list, not a first page.',
  check: (o) => {
    const exchanges = byProbe(o, 'read.list-1000.');
    const failures = exchanges.flatMap((e) => {
      const r = e.response!;
      if (r.status !== 200)
        return [{ message: `a call with ${MAX_IDS_PER_CALL} ids answered ${r.status}`, exchange: e }];
      const got = new Set(Array.isArray(r.json) ? idsIn(r.json as Array<Record<string, unknown>>) : []);
      const missing = visibleOf(e).filter((id) => !got.has(id));
      return missing.length
        ? [
            {
              message: `${missing.length} of ${visibleOf(e).length} visible ids were left out (e.g. ${missing.slice(0, 3).join(', ')})`,
              exchange: e,
            },
          ]
        : [];
    });
    return verdictOf(failures, exchanges.length);
  },
});
