import { AREAS } from '../model.js';
import { shorten } from './redact.js';
import type { Report, RuleResult } from './report.js';

const CODES = { red: 31, yellow: 33, green: 32, grey: 90, bold: 1, cyan: 36 } as const;
type Colour = keyof typeof CODES;

const MARK: Record<RuleResult['outcome'], string> = { pass: '✓', fail: '✗', skip: '-', suppressed: '~' };

/**
 * The report for a person at a terminal: rules grouped by area, failures with their
 * findings and reproductions, a summary line. `color` adds ANSI colours (on a TTY).
 *
 * @example
 * process.stdout.write(renderTerminal(report, { color: process.stdout.isTTY }));
 */
export function renderTerminal(report: Report, { color = false, verbose = false } = {}): string {
  const paint = (c: Colour, text: string) => (color ? `\x1b[${CODES[c]}m${text}\x1b[0m` : text);
  const lines: string[] = [
    paint('bold', `FiNUM Sync API conformance — ${report.baseUrl}`),
    paint(
      'grey',
      `profile ${report.profile}, seed ${report.seed}, run ${report.runId}, ${report.requests} requests in ${(report.durationMs / 1000).toFixed(1)} s`,
    ),
  ];
  for (const area of AREAS) {
    const results = report.results.filter((r) => r.area === area);
    if (results.length === 0) continue;
    lines.push('', paint('bold', area));
    for (const r of results) {
      const colour: Colour =
        r.outcome === 'fail'
          ? r.severity === 'error'
            ? 'red'
            : r.severity === 'warn'
              ? 'yellow'
              : 'cyan'
          : r.outcome === 'pass'
            ? 'green'
            : 'grey';
      const tag = r.outcome === 'fail' ? ` [${r.severity}]` : '';
      const note = r.outcome === 'skip' || (verbose && r.note) ? paint('grey', ` (${r.note})`) : '';
      lines.push(`  ${paint(colour, MARK[r.outcome])} ${r.id} ${r.title}${paint(colour, tag)}${note}`);
      if (r.outcome !== 'fail' && !(verbose && r.outcome === 'suppressed')) continue;
      lines.push(paint('grey', `      ${r.section}: ${r.spec}`), `      fix: ${r.fix}`);
      for (const f of r.findings) {
        lines.push(
          `      ${f.suppressed ? paint('grey', `(suppressed until ${f.suppressed.expires}) `) : ''}• ${f.message} ${paint('grey', `[${f.fingerprint}]`)}`,
        );
        if (f.curl) lines.push(paint('grey', `        ${shorten(f.curl)}`));
        if (f.response)
          lines.push(
            paint('grey', `        → ${f.response.status} ${shorten(f.response.body.replace(/\s+/g, ' '), 200)}`),
          );
      }
    }
  }
  for (const s of report.expiredSuppressions)
    lines.push(
      paint(
        'red',
        `baseline entry ${s.fingerprint} expired on ${s.expires} (${s.reason}): fix the finding or renew the entry`,
      ),
    );
  if (report.created.length) {
    lines.push('', paint('bold', `Records created by this run (externalId fsv-${report.runId}-…):`));
    for (const c of report.created) lines.push(`  ${c.type} ${c.id} (${c.marker})`);
  }
  const s = report.summary;
  lines.push(
    '',
    paint(
      report.passed ? 'green' : 'red',
      `${report.passed ? 'PASSED' : 'FAILED'} (fail on ${report.failOn}): ${s.passed} passed, ${s.failed.error} errors, ${s.failed.warn} warnings, ${s.failed.info} info, ${s.skipped} skipped, ${s.suppressed} suppressed`,
    ),
  );
  return `${lines.join('\n')}\n`;
}
