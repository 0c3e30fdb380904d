/** The short console summary of a posture report. */
import { SEVERITIES } from '../../audit/types.ts';
import { CONTROL_IDS, CONTROL_NAMES, type PostureReport } from '../types.ts';

const MAX_LISTED = 8;

/** Render the console summary: controls, findings, traffic, then what fails per framework. */
export function formatText(report: PostureReport): string {
  const lines: string[] = [];
  const { summary } = report;
  lines.push(`rampart report: ${report.config}, ${summary.routes} route${summary.routes === 1 ? '' : 's'}`);
  lines.push('');
  lines.push('Controls (routes: enforce / monitor / partial / off, n/a)');
  const width = Math.max(...CONTROL_IDS.map((id) => CONTROL_NAMES[id].length));
  for (const id of CONTROL_IDS) {
    const c = summary.controls[id];
    lines.push(
      `  ${CONTROL_NAMES[id].padEnd(width)}  ${c.enforce} / ${c.monitor} / ${c.partial} / ${c.off}${c['n/a'] > 0 ? `, ${c['n/a']} n/a` : ''}`,
    );
  }
  const given = (['audit', 'scan', 'secrets'] as const).filter((s) => report.inputs[s].length > 0);
  const sev = SEVERITIES.filter((s) => summary.findings[s] > 0).map((s) => `${summary.findings[s]} ${s}`);
  lines.push('');
  lines.push(
    given.length === 0
      ? 'Findings: none given (--audit, --scan, --secrets)'
      : `Findings (${given.join(', ')}): ${sev.length === 0 ? 'none open' : sev.join(', ')}`,
  );
  const t = report.traffic;
  if (t !== null) {
    let refuse = 0;
    let monitor = 0;
    for (const c of Object.values(t.byCategory)) {
      refuse += c.refuse;
      monitor += c.monitor;
    }
    const top = Object.entries(t.byCategory)
      .sort((a, b) => b[1].refuse + b[1].monitor - (a[1].refuse + a[1].monitor))
      .slice(0, 6)
      .map(([k, c]) => `${k} ${c.refuse + c.monitor}`);
    lines.push(
      `Traffic (${t.days} days): ${refuse} refused, ${monitor} monitored${top.length > 0 ? ` — ${top.join(', ')}` : ''}`,
    );
  }
  for (const fw of report.frameworks) {
    const c = fw.counts;
    lines.push('');
    lines.push(
      `${fw.name}: ${c.pass} pass, ${c.partial} partial, ${c.fail} fail${c['n/a'] > 0 ? `, ${c['n/a']} n/a` : ''}`,
    );
    // only the failures, each with its first fix: the HTML and JSON carry the rest
    const bad = fw.controls.filter((x) => x.verdict === 'fail');
    for (const x of bad.slice(0, MAX_LISTED)) {
      lines.push(`  fail  ${x.id}  ${x.title}`);
      const fix = x.remediation[0];
      if (fix !== undefined) lines.push(`        → ${fix}`);
    }
    if (bad.length > MAX_LISTED)
      lines.push(`  … ${bad.length - MAX_LISTED} more (see --format html or json)`);
  }
  const d = report.diff;
  if (d !== null) {
    lines.push('');
    lines.push(
      `Since ${d.baseline} (${d.baselineGeneratedAt}): ${d.improved.length} improved, ${d.regressed.length} regressed`,
    );
    for (const n of d.notes) lines.push(`  note: ${n}`);
    for (const e of d.regressed.slice(0, MAX_LISTED))
      lines.push(`  regressed  ${e.key}: ${e.before} → ${e.after}`);
    for (const e of d.improved.slice(0, MAX_LISTED))
      lines.push(`  improved   ${e.key}: ${e.before} → ${e.after}`);
  }
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
