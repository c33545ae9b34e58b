import { byProbe, defineRule, verdictOf } from '../../rule.js';

const PAGINATION_HEADERS = /^(x-(next|next-page|page|page-count|total-pages|continuation|cursor)|link)$/i;

export default defineRule({
  id: 'FSV-READ-012',
  area: 'READ',
  section: '§2, §6',
  severity: 'error',
  title: 'No pagination: no next-page links, cursors or page headers',
  spec: 'No pagination: list endpoints take an explicit id list or a narrow filter; id-list-updated endpoints return all matching ids at once.',
  fix: 'Return every matching record or id in one answer; drop Link rel="next", page and cursor headers.',
  check: (o) => {
    const exchanges = [...byProbe(o, 'read.'), ...byProbe(o, 'sync.')].filter((e) => e.response!.status === 200);
    const failures = exchanges.flatMap((e) => {
      const headers = Object.entries(e.response!.headers).filter(
        ([name, value]) => PAGINATION_HEADERS.test(name) && (name !== 'link' || /rel="?(next|last)/i.test(value)),
      );
      return headers.length ? [{ message: `pagination header ${headers[0]![0]}: ${headers[0]![1]}`, exchange: e }] : [];
    });
    return verdictOf(failures.slice(0, 3), exchanges.length);
  },
});
