/** Console report: a summary table per check and one block per finding. */
import { CATEGORIES } from '../types.ts';
import { countBySeverity, type ScanReport } from './model.ts';

/** Render the console report (plain text, no colours). */
export function formatConsole(report: ScanReport): string {
  const { result, findings } = report;
  const lines: string[] = [];
  lines.push(`rampart scan — ${result.target}`);
  lines.push(
    `${result.requests} requests in ${(result.durationMs / 1000).toFixed(1)} s; ${result.units.run} tests run, ${result.units.skipped} skipped`,
  );
  lines.push(
    `responses: ${Object.entries(result.statuses)
      .map(([status, n]) => `${status}×${n}`)
      .join(' ')}`,
  );
  if (result.stopped !== undefined) lines.push(`stopped early: ${result.stopped}`);
  lines.push('');
  const rows: string[][] = [['check', 'category', 'severity', 'findings']];
  for (const c of result.checks) {
    const n = findings.filter((f) => f.checkId === c.id).length;
    rows.push([c.id, c.category, c.severity, n === 0 ? '-' : String(n)]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const [i, r] of rows.entries()) {
    lines.push(
      r
        .map((cell, j) => cell.padEnd(widths[j] ?? 0))
        .join('  ')
        .trimEnd(),
    );
    if (i === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  lines.push('');
  for (const f of findings) {
    lines.push(
      `[${f.severity.toUpperCase()}] ${f.title} — ${f.category} ${CATEGORIES[f.category]}, CWE-${f.cwe}`,
    );
    lines.push(`  id:        ${f.id}`);
    lines.push(
      `  operation: ${f.operation.method} ${f.operation.path}${f.operation.operationId ? ` (${f.operation.operationId})` : ''}`,
    );
    lines.push(`  found:     ${f.message}`);
    const ev = f.evidence[0];
    if (ev !== undefined) {
      lines.push(
        `  evidence:  ${ev.request.method} ${ev.request.url} → ${ev.response === null ? (ev.error ?? 'no response') : ev.response.status}`,
      );
    }
    lines.push(`  fix:       ${f.remediation}`);
    lines.push('');
  }
  const counts = countBySeverity(findings);
  lines.push(
    `${findings.length} findings (critical ${counts.critical}, high ${counts.high}, medium ${counts.medium}, low ${counts.low}, info ${counts.info})` +
      (report.accepted.length > 0 ? `; ${report.accepted.length} accepted by the baseline` : ''),
  );
  for (const e of result.errors) lines.push(`check error: ${e}`);
  return `${lines.join('\n')}\n`;
}
