import { AREAS } from '../model.js';
import { shorten } from './redact.js';
import type { Report, RuleResult } from './report.js';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const code = (s: string) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}
.meta{color:#5b6878;font-size:13px}
.verdict{display:inline-block;padding:4px 12px;border-radius:4px;font-weight:700;color:#fff}
.verdict.pass{background:#1f7a3e}.verdict.fail{background:#b42318}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:10px 16px;min-width:110px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde3ea}
td,th{padding:6px 10px;border-bottom:1px solid #eef1f5;text-align:left;vertical-align:top}
.o,.id{font-weight:700;white-space:nowrap}.o.pass{color:#1f7a3e}.o.fail.error{color:#b42318}.o.fail.warn{color:#b54708}
.o.fail.info{color:#175cd3}.o.skip,.o.suppressed{color:#5b6878}
details{margin:6px 0 0}summary{cursor:pointer;color:#344054}
.finding{border-left:3px solid #b42318;padding:4px 10px;margin:8px 0;background:#fff8f7}
pre{white-space:pre-wrap;word-break:break-all;background:#101828;color:#e4e7ec;padding:8px;border-radius:4px;font-size:12px}
code{background:#eef1f5;padding:0 3px;border-radius:3px}
`;

function row(r: RuleResult): string {
  const findings = r.findings
    .map(
      (
        f,
      ) => `<div class="finding"><div>${esc(f.message)} <span class="meta">fingerprint ${f.fingerprint}${f.suppressed ? ` — suppressed until ${esc(f.suppressed.expires)}: ${esc(f.suppressed.reason)}` : ''}</span></div>
${f.curl ? `<div class="meta">Reproduce (the token is <code>$FINUM_TOKEN</code>):</div><pre>${esc(shorten(f.curl, 1500))}</pre>` : ''}
${
  f.response
    ? `<div class="meta">Response: ${f.response.status} ${esc(
        Object.entries(f.response.headers)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; '),
      )}</div><pre>${esc(f.response.body)}</pre>`
    : ''
}</div>`,
    )
    .join('\n');
  const details =
    r.outcome === 'fail' || r.outcome === 'suppressed'
      ? `<details${r.outcome === 'fail' ? ' open' : ''}><summary>SPEC ${esc(r.section)} and how to fix</summary><p><b>SPEC:</b> ${code(r.spec)}</p><p><b>Fix:</b> ${code(r.fix)}</p>${findings}</details>`
      : r.note
        ? `<div class="meta">${esc(r.note)}</div>`
        : '';
  const label = r.outcome === 'fail' ? `FAIL (${r.severity})` : r.outcome.toUpperCase();
  return `<tr id="${r.id}"><td class="o ${r.outcome} ${r.severity}">${label}</td><td class="id">${r.id}<br><span class="meta">${esc(r.section)}</span></td><td>${code(r.title)}${details}</td></tr>`;
}

/**
 * One self-contained HTML page (no script, no external resource) for a provider's
 * manager: the verdict, a summary, the rules by area, and every finding with the SPEC
 * text it breaks, the fix, a redacted `curl` and the response.
 */
export function renderHtml(report: Report): string {
  const s = report.summary;
  const areas = AREAS.map((area) => report.results.filter((r) => r.area === area))
    .filter((rs) => rs.length > 0)
    .map((rs) => {
      const failed = rs.filter((r) => r.outcome === 'fail').length;
      return `<section><h2>${rs[0]!.area} <span class="meta">${rs.length} rules, ${failed} failed</span></h2><table><tbody>${rs.map(row).join('\n')}</tbody></table></section>`;
    })
    .join('\n');
  const created = report.created.length
    ? `<h2>Records created by this run</h2><p class="meta">Marked with <code>externalId</code> fsv-${esc(report.runId)}-…; remove them when you like.</p><table><tbody>${report.created.map((c) => `<tr><td>${esc(c.type)}</td><td>${esc(c.id)}</td><td>${esc(c.marker)}</td></tr>`).join('')}</tbody></table>`
    : '';
  const expired = report.expiredSuppressions.length
    ? `<h2>Expired baseline entries</h2><ul>${report.expiredSuppressions.map((e) => `<li>${e.fingerprint}: expired ${esc(e.expires)} — ${esc(e.reason)}</li>`).join('')}</ul>`
    : '';
  const card = (n: number, label: string) => `<div class="card"><b>${n}</b>${label}</div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>FiNUM Sync API conformance — ${esc(report.baseUrl)}</title><style>${STYLE}</style></head>
<body><main>
<h1>FiNUM Sync API conformance report</h1>
<p class="meta">${esc(report.baseUrl)} — ${esc(report.startedAt)} — profile ${report.profile}, seed ${report.seed}, run ${esc(report.runId)}, ${report.requests} requests in ${(report.durationMs / 1000).toFixed(1)} s, ${esc(report.tool.name)} ${esc(report.tool.version)}</p>
<p><span class="verdict ${report.passed ? 'pass' : 'fail'}">${report.passed ? 'PASSED' : 'FAILED'}</span> <span class="meta">failing at severity ${report.failOn} and above</span></p>
<div class="cards">${card(s.rules, 'rules')}${card(s.passed, 'passed')}${card(s.failed.error, 'errors')}${card(s.failed.warn, 'warnings')}${card(s.failed.info, 'info')}${card(s.skipped, 'skipped')}${card(s.suppressed, 'suppressed')}</div>
${expired}
${areas}
${created}
</main></body></html>
`;
}
