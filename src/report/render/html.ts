/**
 * The HTML report: one self-contained page (inline CSS and SVG, no script, no external resource;
 * its Content-Security-Policy forbids both), readable in print and by screen readers.
 */
import { SEVERITIES } from '../../audit/types.ts';
import {
  CONTROL_IDS,
  CONTROL_NAMES,
  type ControlState,
  type DiffEntry,
  type PostureReport,
  type Verdict,
} from '../types.ts';
import { columns, esc, type Series, stackedBars } from './svg.ts';

const GREEN = '#1a7f37';
const AMBER = '#d4a72c';
const ORANGE = '#e16f24';
const RED = '#cf222e';
const GREY = '#8c959f';
const INK = '#1f2328';

const VERDICT_SERIES: readonly Series[] = [
  { key: 'pass', label: 'pass', color: GREEN },
  { key: 'partial', label: 'partial', color: AMBER, ink: INK },
  { key: 'fail', label: 'fail', color: RED },
  { key: 'n/a', label: 'n/a', color: GREY, ink: INK },
];
const STATE_SERIES: readonly Series[] = [
  { key: 'enforce', label: 'enforce', color: GREEN },
  { key: 'partial', label: 'partial', color: AMBER, ink: INK },
  { key: 'monitor', label: 'monitor', color: ORANGE, ink: INK },
  { key: 'off', label: 'off', color: RED },
];
const SEVERITY_COLORS: Readonly<Record<string, string>> = {
  critical: '#82071e',
  high: RED,
  medium: ORANGE,
  low: AMBER,
  info: GREY,
};
const TRAFFIC_SERIES: readonly Series[] = [
  { key: 'refuse', label: 'refused', color: '#0969da' },
  { key: 'monitor', label: 'monitored (let through)', color: ORANGE, ink: INK },
];

const STYLE = `
:root{color-scheme:light;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 24px}
header{padding-top:24px;border-bottom:1px solid var(--line)}
h1{font-size:1.7rem;margin:0 0 4px}
h2{font-size:1.3rem;margin:32px 0 8px;padding-top:8px;border-top:1px solid var(--line)}
main>section:first-child h2{border-top:0}
h3{font-size:1.1rem;margin:20px 0 6px}
.meta{color:var(--muted);margin:0 0 16px}
nav ul{display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;padding:0;margin:12px 0}
a{color:#0969da}
a:focus-visible{outline:3px solid #0969da;outline-offset:2px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin:12px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:12px;background:var(--soft)}
.card b{display:block;font-size:1.6rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:12px;overflow-x:auto}
figcaption{font-weight:600;margin-bottom:6px}
svg.chart{max-width:100%;height:auto}
svg .rl{font-size:12px;fill:#1f2328}
svg .lg{font-size:12px;fill:#1f2328}
svg .bv{font-size:11px;font-weight:700}
svg .ax{stroke:#8c959f}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:.9rem}
caption{text-align:left;font-weight:600;padding:4px 0;color:var(--muted)}
th,td{border:1px solid var(--line);padding:6px 8px;vertical-align:top;text-align:left}
thead th{background:var(--soft);position:sticky;top:0}
td ul{margin:0;padding-left:18px}
.b{display:inline-block;border-radius:4px;padding:0 6px;font-weight:600;font-size:.82rem;white-space:nowrap}
.pass,.enforce{background:#dafbe1;color:#116329}
.partial{background:#fff8c5;color:#6c4400}
.monitor{background:#fff1e5;color:#8a3a00}
.fail,.off{background:#ffebe9;color:#a40e26}
.na{background:#eaeef2;color:#424a53}
.sev-critical,.sev-high{background:#ffebe9;color:#a40e26}
.sev-medium{background:#fff1e5;color:#8a3a00}
.sev-low{background:#fff8c5;color:#6c4400}
.sev-info{background:#eaeef2;color:#424a53}
.improved{color:#116329}.regressed{color:#a40e26}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em;background:var(--soft);padding:0 3px;border-radius:3px}
footer{color:var(--muted);padding:24px;border-top:1px solid var(--line);margin-top:32px}
@media print{thead th{position:static}.charts{display:block}figure{break-inside:avoid;margin-bottom:12px}}
`;

function badge(text: string, cls: string): string {
  return `<span class="b ${cls}">${esc(text)}</span>`;
}

function verdictBadge(v: Verdict): string {
  return badge(v, v === 'n/a' ? 'na' : v);
}

function stateBadge(s: ControlState): string {
  return badge(s, s === 'n/a' ? 'na' : s);
}

/** Wrap config key paths in code: the setting names stand out in remediation text. */
function codeKeys(text: string): string {
  return esc(text).replace(
    /\b(?:(?:apis|validation|inspection|response|events|log|rateLimit|bruteForce|limits|listeners|upstreams|auth|x-rampart)\.[\w.{}/-]*[\w}]|mode(?=:))/g,
    '<code>$&</code>',
  );
}

function list(items: readonly string[], keys = false): string {
  if (items.length === 0) return '—';
  return `<ul>${items.map((i) => `<li>${keys ? codeKeys(i) : esc(i)}</li>`).join('')}</ul>`;
}

function summary(r: PostureReport): string {
  const fw = r.frameworks.map(
    (f) =>
      `<div class="card"><span>${esc(f.name)}</span><b>${f.counts.pass} / ${f.controls.length - f.counts['n/a']}</b><span>controls pass; ${f.counts.partial} partial, ${f.counts.fail} fail</span></div>`,
  );
  const open = SEVERITIES.reduce((a, s) => a + r.summary.findings[s], 0);
  const cards = [
    `<div class="card"><span>Routes</span><b>${r.summary.routes}</b><span>in ${esc(r.config)}</span></div>`,
    `<div class="card"><span>Open findings</span><b>${open}</b><span>${
      SEVERITIES.filter((s) => r.summary.findings[s] > 0)
        .map((s) => `${r.summary.findings[s]} ${s}`)
        .join(', ') || 'none'
    }</span></div>`,
    ...fw,
  ];
  const charts: string[] = [];
  charts.push(
    `<figure><figcaption>Framework controls by verdict</figcaption>${stackedBars(
      'chart-frameworks',
      'Framework controls by verdict',
      r.frameworks.map((f) => ({
        label: f.name,
        segments: VERDICT_SERIES.map((s) => ({ key: s.key, value: f.counts[s.key as Verdict] })),
      })),
      VERDICT_SERIES,
    )}</figure>`,
  );
  charts.push(
    `<figure><figcaption>Rampart controls across routes (n/a left out)</figcaption>${stackedBars(
      'chart-controls',
      'Rampart controls by mode across routes',
      CONTROL_IDS.map((id) => ({
        label: CONTROL_NAMES[id],
        segments: STATE_SERIES.map((s) => ({
          key: s.key,
          value: r.summary.controls[id][s.key as ControlState],
        })),
      })),
      STATE_SERIES,
    )}</figure>`,
  );
  charts.push(
    `<figure><figcaption>Open findings by severity</figcaption>${stackedBars(
      'chart-findings',
      'Open findings by severity',
      [
        {
          label: 'findings',
          segments: SEVERITIES.map((s) => ({ key: s, value: r.summary.findings[s] })),
        },
      ],
      SEVERITIES.map((s) => ({
        key: s,
        label: s,
        color: SEVERITY_COLORS[s] ?? GREY,
        ...(s === 'medium' || s === 'low' || s === 'info' ? { ink: INK } : {}),
      })),
    )}</figure>`,
  );
  const t = r.traffic;
  if (t !== null) {
    const cats = Object.entries(t.byCategory).sort(
      (a, b) => b[1].refuse + b[1].monitor - (a[1].refuse + a[1].monitor),
    );
    charts.push(
      `<figure><figcaption>Refusals by category, last ${t.days} days</figcaption>${stackedBars(
        'chart-categories',
        `Security events by category, last ${t.days} days`,
        cats.slice(0, 15).map(([k, c]) => ({
          label: k,
          segments: [
            { key: 'refuse', value: c.refuse },
            { key: 'monitor', value: c.monitor },
          ],
        })),
        TRAFFIC_SERIES,
      )}</figure>`,
    );
    charts.push(
      `<figure><figcaption>Security events per day</figcaption>${columns(
        'chart-days',
        'Security events per day',
        t.byDay.map((d) => ({
          label: d.day,
          segments: [
            { key: 'refuse', value: d.refuse },
            { key: 'monitor', value: d.monitor },
          ],
        })),
        TRAFFIC_SERIES,
      )}</figure>`,
    );
  }
  return `<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2><div class="cards">${cards.join('')}</div><div class="charts">${charts.join('')}</div></section>`;
}

function frameworks(r: PostureReport): string {
  const parts = r.frameworks.map((f) => {
    const rows = f.controls
      .map(
        (c) =>
          `<tr><th scope="row">${esc(c.id)}</th><td>${esc(c.title)}</td><td>${verdictBadge(c.verdict)}</td><td>${list(c.evidence)}</td><td>${list(c.remediation, true)}</td></tr>`,
      )
      .join('');
    const source = f.source === 'builtin' ? 'built in' : `from ${f.source}`;
    const link = f.url !== null ? ` · <a href="${esc(f.url)}">reference</a>` : '';
    return `<h3 id="fw-${esc(f.id)}">${esc(f.name)}</h3><p class="meta">${f.counts.pass} pass, ${f.counts.partial} partial, ${f.counts.fail} fail, ${f.counts['n/a']} not applicable · mapping ${esc(source)}${link}</p><div class="scroll"><table><caption>${esc(f.name)}: verdict, evidence and remediation per control</caption><thead><tr><th scope="col">Control</th><th scope="col">Title</th><th scope="col">Verdict</th><th scope="col">Evidence</th><th scope="col">Remediation</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  });
  return `<section id="frameworks" aria-labelledby="frameworks-h"><h2 id="frameworks-h">Frameworks</h2><p>A control passes when every route it concerns enforces the Rampart controls it depends on and no open finding of its categories is at or above the framework's threshold. A policy in <strong>monitor</strong> mode records attacks without stopping them, so it does not meet a control.</p>${parts.join('')}</section>`;
}

function routes(r: PostureReport): string {
  const head = CONTROL_IDS.map((id) => `<th scope="col">${esc(CONTROL_NAMES[id])}</th>`).join('');
  const traffic = r.traffic !== null;
  const rows = r.routes
    .map((route) => {
      const cells = CONTROL_IDS.map((id) => {
        const c = route.controls.find((x) => x.control === id);
        if (c === undefined) return '<td>—</td>';
        return `<td>${stateBadge(c.state)}<br><small>${esc(c.detail)}</small>${c.state === 'monitor' || c.state === 'off' ? `<br><small><code>${esc(c.setting)}</code></small>` : ''}</td>`;
      }).join('');
      const f = SEVERITIES.filter((s) => route.findings[s] > 0).map((s) => `${route.findings[s]} ${s}`);
      const t = route.traffic;
      return `<tr><th scope="row"><code>${esc(route.method)} ${esc(route.path)}</code><br><small>${esc(route.label)}</small></th>${cells}<td>${f.length > 0 ? esc(f.join(', ')) : '0'}</td>${traffic ? `<td>${t === null ? '—' : `${t.refuse} refused, ${t.monitor} monitored`}</td>` : ''}</tr>`;
    })
    .join('');
  return `<section id="routes" aria-labelledby="routes-h"><h2 id="routes-h">Routes</h2><p>Each control on each route, with its mode and, where it is not enforced, the setting that decides it.</p><div class="scroll"><table><caption>Controls in force per route</caption><thead><tr><th scope="col">Route</th>${head}<th scope="col">Findings</th>${traffic ? '<th scope="col">Traffic</th>' : ''}</tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

function findings(r: PostureReport): string {
  const given = (['audit', 'scan', 'secrets'] as const).filter((s) => r.inputs[s].length > 0);
  if (given.length === 0)
    return `<section id="findings" aria-labelledby="findings-h"><h2 id="findings-h">Findings</h2><p>No audit, scan or secrets report was given (<code>--audit</code>, <code>--scan</code>, <code>--secrets</code>).</p></section>`;
  if (r.findings.length === 0)
    return `<section id="findings" aria-labelledby="findings-h"><h2 id="findings-h">Findings</h2><p>No open findings in ${esc(given.join(', '))}.</p></section>`;
  const rows = r.findings
    .map(
      (f) =>
        `<tr><td>${badge(f.severity, `sev-${f.severity}`)}</td><td>${esc(f.source)}</td><td>${esc(f.category ?? '—')}</td><th scope="row">${esc(f.rule)}</th><td>${esc(f.message)}</td><td><code>${esc(f.location)}</code></td><td>${esc(f.remediation)}</td></tr>`,
    )
    .join('');
  return `<section id="findings" aria-labelledby="findings-h"><h2 id="findings-h">Findings</h2><div class="scroll"><table><caption>Open findings from ${esc(given.join(', '))}, most severe first</caption><thead><tr><th scope="col">Severity</th><th scope="col">Source</th><th scope="col">OWASP</th><th scope="col">Rule</th><th scope="col">Finding</th><th scope="col">Where</th><th scope="col">Remediation</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

function trafficSection(r: PostureReport): string {
  const t = r.traffic;
  if (t === null) return '';
  const rows = Object.entries(t.byCategory)
    .sort((a, b) => b[1].refuse - a[1].refuse)
    .map(
      ([k, c]) =>
        `<tr><th scope="row">${esc(k)}</th><td>${c.refuse}</td><td>${c.monitor}</td><td>${c.error}</td></tr>`,
    )
    .join('');
  return `<section id="traffic" aria-labelledby="traffic-h"><h2 id="traffic-h">Traffic</h2><p>${t.events} security events from ${esc(t.since)} to ${esc(t.until)}${t.truncated ? ' (the read stopped at its cap: counts are a lower bound)' : ''}.</p><table><caption>Security events by category</caption><thead><tr><th scope="col">Category</th><th scope="col">Refused</th><th scope="col">Monitored (let through)</th><th scope="col">Errors</th></tr></thead><tbody>${rows || '<tr><td colspan="4">no events</td></tr>'}</tbody></table></section>`;
}

function diffRows(entries: readonly DiffEntry[]): string {
  return entries
    .map(
      (e) =>
        `<tr><td>${esc(e.kind)}</td><th scope="row">${esc(e.key)}</th><td>${esc(e.before)}</td><td>${esc(e.after)}</td></tr>`,
    )
    .join('');
}

function diff(r: PostureReport): string {
  const d = r.diff;
  if (d === null) return '';
  const table = (title: string, cls: string, entries: readonly DiffEntry[]) =>
    entries.length === 0
      ? `<h3 class="${cls}">${esc(title)}: none</h3>`
      : `<h3 class="${cls}">${esc(title)}: ${entries.length}</h3><div class="scroll"><table><caption>${esc(title)} since the baseline</caption><thead><tr><th scope="col">Kind</th><th scope="col">What</th><th scope="col">Before</th><th scope="col">Now</th></tr></thead><tbody>${diffRows(entries)}</tbody></table></div>`;
  return `<section id="diff" aria-labelledby="diff-h"><h2 id="diff-h">Since the baseline</h2><p>Compared with <code>${esc(d.baseline)}</code> (generated ${esc(d.baselineGeneratedAt)}).</p>${d.notes.map((n) => `<p><strong>Note:</strong> ${esc(n)}</p>`).join('')}${table('Regressed', 'regressed', d.regressed)}${table('Improved', 'improved', d.improved)}</section>`;
}

/** Render the whole report as one HTML page. */
export function formatHtml(r: PostureReport): string {
  const nav = [
    ['summary', 'Summary'],
    ...(r.diff !== null ? [['diff', 'Since the baseline']] : []),
    ['frameworks', 'Frameworks'],
    ...r.frameworks.map((f) => [`fw-${f.id}`, f.name]),
    ['routes', 'Routes'],
    ['findings', 'Findings'],
    ...(r.traffic !== null ? [['traffic', 'Traffic']] : []),
  ] as const;
  const warnings =
    r.warnings.length > 0
      ? `<section id="warnings" aria-labelledby="warnings-h"><h2 id="warnings-h">Warnings</h2>${list(r.warnings)}</section>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="rampart ${esc(r.version)}">
<title>API security posture — ${esc(r.config)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>API security posture</h1>
<p class="meta">Config <code>${esc(r.config)}</code> · ${r.summary.routes} routes · generated ${esc(r.generatedAt)} by rampart ${esc(r.version)}</p>
<nav aria-label="Sections"><ul>${nav.map(([id, label]) => `<li><a href="#${esc(id)}">${esc(label)}</a></li>`).join('')}</ul></nav>
</header>
<main>
${summary(r)}
${diff(r)}
${frameworks(r)}
${routes(r)}
${findings(r)}
${trafficSection(r)}
${warnings}
</main>
<footer>Rampart posture report. Framework mappings are data (src/report/frameworks/); a verdict is evidence for an assessor, not a certification.</footer>
</body>
</html>
`;
}
