/** HTML report: one self-contained file (inline CSS, no scripts, no external resources) with the evidence. */
import { CATEGORIES, type Evidence } from '../types.ts';
import { xmlEscape as esc } from './junit.ts';
import { countBySeverity, type ScanReport } from './model.ts';

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#1b1f24;padding:0 1rem}
h1{font-size:1.5rem}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left}
.sev{font-weight:600;text-transform:uppercase;font-size:.8rem;padding:.1rem .4rem;border-radius:.3rem;color:#fff}
.critical{background:#8b0000}.high{background:#cf222e}.medium{background:#bf8700}.low{background:#0969da}.info{background:#57606a}
details{border:1px solid #d0d7de;border-radius:.4rem;margin:.6rem 0;padding:.4rem .8rem}summary{cursor:pointer}
pre{background:#f6f8fa;padding:.6rem;overflow:auto;white-space:pre-wrap;word-break:break-all;max-height:24rem}`;

function evidenceHtml(ev: Evidence): string {
  const req = `${ev.request.method} ${ev.request.url}\n${Object.entries(ev.request.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}${ev.request.body !== undefined ? `\n\n${ev.request.body}` : ''}`;
  const res =
    ev.response === null
      ? (ev.error ?? 'no response')
      : `${ev.response.status} (${ev.response.elapsedMs} ms)\n${Object.entries(ev.response.headers)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n')}\n\n${ev.response.body}`;
  return `${ev.note !== undefined ? `<p><em>${esc(ev.note)}</em></p>` : ''}<p>Request</p><pre>${esc(req)}</pre><p>Response</p><pre>${esc(res)}</pre>`;
}

/** Render the HTML report. */
export function formatHtml(report: ScanReport): string {
  const { result, findings } = report;
  const counts = countBySeverity(findings);
  const rows = result.checks
    .map((c) => {
      const n = findings.filter((f) => f.checkId === c.id).length;
      return `<tr><td>${esc(c.id)}</td><td>${esc(c.category)} ${esc(CATEGORIES[c.category])}</td><td>CWE-${c.cwe}</td><td><span class="sev ${c.severity}">${c.severity}</span></td><td>${n}</td></tr>`;
    })
    .join('\n');
  const blocks = findings
    .map(
      (
        f,
      ) => `<details><summary><span class="sev ${f.severity}">${f.severity}</span> ${esc(f.title)} — ${esc(f.operation.method)} ${esc(f.operation.path)}</summary>
<p><strong>${esc(f.id)}</strong> · ${esc(f.category)} ${esc(CATEGORIES[f.category])} · CWE-${f.cwe}</p>
<p>${esc(f.message)}</p><p><strong>Severity:</strong> ${esc(f.severityReason)}</p><p><strong>Fix:</strong> ${esc(f.remediation)}</p>
${f.evidence.map(evidenceHtml).join('\n')}</details>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>rampart scan — ${esc(result.target)}</title><style>${CSS}</style></head><body>
<h1>rampart scan — ${esc(result.target)}</h1>
<p>${result.requests} requests in ${(result.durationMs / 1000).toFixed(1)} s, started ${esc(result.startedAt)}.
${findings.length} findings: ${counts.critical} critical, ${counts.high} high, ${counts.medium} medium, ${counts.low} low, ${counts.info} info${report.accepted.length > 0 ? `; ${report.accepted.length} accepted by the baseline` : ''}.${result.stopped !== undefined ? ` Stopped early: ${esc(result.stopped)}.` : ''}</p>
<table><thead><tr><th>check</th><th>category</th><th>CWE</th><th>severity</th><th>findings</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Findings</h2>
${blocks === '' ? '<p>None.</p>' : blocks}
</body></html>
`;
}
