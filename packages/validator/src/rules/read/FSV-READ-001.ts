import { mediaType } from '../../checks.js';
import { byProbe, defineRule, verdictOf } from '../../rule.js';

export default defineRule({
  id: 'FSV-READ-001',
  area: 'READ',
  section: '§6, §2',
  severity: 'error',
  title: 'T-list and T-id-list-updated answer 200 with a JSON array',
  spec: '`GET /v1/T-list?id-list=…` and `GET /v1/T-id-list-updated` return `200` with a JSON array (UTF-8).',
  fix: 'Answer the read endpoints of every record type with status 200, `Content-Type: application/json` and an array body.',
  check: (o) => {
    const exchanges = [...byProbe(o, 'read.ids.'), ...byProbe(o, 'read.list.'), ...byProbe(o, 'read.filter.')];
    const failures = exchanges.flatMap((e) => {
      const r = e.response!;
      if (r.status !== 200) return [{ message: `answered ${r.status}, expected 200`, exchange: e }];
      if (mediaType(r) !== 'application/json')
        return [
          { message: `Content-Type is '${r.headers['content-type'] ?? ''}', expected application/json`, exchange: e },
        ];
      if (!Array.isArray(r.json)) return [{ message: 'the body is not a JSON array', exchange: e }];
      return [];
    });
    return verdictOf(failures, exchanges.length);
  },
});
