import { AREAS } from '../model.js';
import type { Report } from './report.js';

const xml = (s: string) =>
  s
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
    .replace(
      // XML 1.0 forbids most control characters, even escaped.
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g,
      '?',
    );

/**
 * JUnit XML: one testsuite per area, one testcase per rule; a failing rule is a
 * `<failure>` (severity `error`) or, below `--fail-on`, still a failure with its severity
 * in `type`; a skipped rule is `<skipped>`.
 */
export function renderJunit(report: Report): string {
  const suites = AREAS.map((area) => report.results.filter((r) => r.area === area))
    .filter((rs) => rs.length > 0)
    .map((rs) => {
      const failures = rs.filter((r) => r.outcome === 'fail').length;
      const skipped = rs.filter((r) => r.outcome === 'skip').length;
      const cases = rs.map((r) => {
        const open = `    <testcase classname="finum-sync.validator.${r.area}" name="${xml(`${r.id} ${r.title}`)}" time="0">`;
        if (r.outcome === 'skip') return `${open}<skipped message="${xml(r.note ?? '')}"/></testcase>`;
        if (r.outcome !== 'fail')
          return `${open}${r.outcome === 'suppressed' ? `<system-out>${xml(`suppressed: ${r.findings.map((f) => f.suppressed?.reason).join('; ')}`)}</system-out>` : ''}</testcase>`;
        const body = [
          `${r.section}: ${r.spec}`,
          `fix: ${r.fix}`,
          ...r.findings.map((f) =>
            [
              `- ${f.message} [${f.fingerprint}]`,
              f.curl ? `  ${f.curl}` : '',
              f.response ? `  → ${f.response.status} ${f.response.body}` : '',
            ]
              .filter(Boolean)
              .join('\n'),
          ),
        ].join('\n');
        return `${open}\n      <failure type="${r.severity}" message="${xml(r.findings[0]?.message ?? r.title)}">${xml(body)}</failure>\n    </testcase>`;
      });
      return `  <testsuite name="${rs[0]!.area}" tests="${rs.length}" failures="${failures}" errors="0" skipped="${skipped}">\n${cases.join('\n')}\n  </testsuite>`;
    });
  const total = report.results.length;
  const failed = report.results.filter((r) => r.outcome === 'fail').length;
  const skipped = report.results.filter((r) => r.outcome === 'skip').length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="finum-sync validate ${xml(report.baseUrl)}" tests="${total}" failures="${failed}" errors="0" skipped="${skipped}" time="${(report.durationMs / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
