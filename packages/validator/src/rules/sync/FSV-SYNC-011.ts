import { ID_REGEX } from '@finum-sync/spec';
import { defineRule, verdictOf } from '../../rule.js';
import { idListAnswers } from './watermarks.js';

export default defineRule({
  id: 'FSV-SYNC-011',
  area: 'SYNC',
  section: '§6, §2',
  severity: 'error',
  title: 'id-list-updated is an array of distinct id strings',
  spec: '`200` JSON array of id strings; ids are 1–64 characters of `[A-Za-z0-9_-]`.',
  fix: 'Return a flat array of id strings, each once (not numbers, not objects).',
  check: (o) => {
    const answers = idListAnswers(o).filter((e) => Array.isArray(e.response!.json));
    const failures = answers.flatMap((e) => {
      const ids = e.response!.json as unknown[];
      const bad = ids.filter((id) => typeof id !== 'string' || !ID_REGEX.test(id));
      const twice = ids.length - new Set(ids).size;
      return [
        ...(bad.length
          ? [
              {
                message: `entries that are not ids: ${bad
                  .slice(0, 3)
                  .map((b) => JSON.stringify(b))
                  .join(', ')}`,
                exchange: e,
              },
            ]
          : []),
        ...(twice ? [{ message: `${twice} ids listed more than once`, exchange: e }] : []),
      ];
    });
    return verdictOf(failures.slice(0, 3), answers.length);
  },
});
