import type { AuditReport } from '../audit.ts';
import { SEVERITIES } from '../types.ts';
import { relativePath } from './paths.ts';

// Terminal control characters in a document's names must not reach the terminal.
function printable(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    out += c < 0x20 || (c >= 0x7f && c < 0xa0) ? '?' : ch;
  }
  return out;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The human report: findings table, score, per-category breakdown. */
export function formatConsole(report: AuditReport, cwd: string): string {
  const file = relativePath(report.file, cwd);
  const lines: string[] = [];
  lines.push(
    `rampart audit: ${printable(file)} (OpenAPI ${report.version}, ${report.operations} operations)`,
    '',
  );
  if (report.findings.length === 0) {
    lines.push('No findings.');
  } else {
    const rows = [['SEVERITY', 'RULE', 'LOCATION', 'MESSAGE']];
    for (const f of report.findings) {
      const where = f.location
        ? `${relativePath(f.location.file, cwd)}:${f.location.line}:${f.location.column}`
        : `${relativePath(f.file, cwd)}#${f.pointer}`;
      rows.push([f.severity, f.rule, printable(where), printable(f.message)]);
    }
    // The JSON pointer goes on its own line under each finding: it can be long, and is exact.
    const rendered = table(rows).split('\n');
    lines.push(rendered[0]!);
    report.findings.forEach((f, i) => {
      lines.push(rendered[i + 1]!, `          ${printable(`#${f.pointer}`)}`);
    });
  }
  const counts = SEVERITIES.map((s) => `${report.findings.filter((f) => f.severity === s).length} ${s}`);
  lines.push(
    '',
    `Score: ${report.score.score}/100  (${counts.join(', ')}; ${report.suppressed.length} suppressed)`,
    '',
  );
  const categoryRows = [['CATEGORY', '', 'SCORE', 'FINDINGS']];
  for (const c of report.score.categories) {
    categoryRows.push([c.category, c.title, String(c.score).padStart(5), String(c.findings).padStart(8)]);
  }
  lines.push(table(categoryRows));
  const fixes = new Map<string, string>();
  for (const f of report.findings) {
    const rule = report.rules.find((r) => r.id === f.rule);
    if (rule && !fixes.has(rule.id) && f.severity !== 'info') fixes.set(rule.id, rule.fix);
  }
  if (fixes.size > 0) {
    lines.push('', 'How to fix:');
    for (const [id, fix] of fixes) lines.push(`  ${id}: ${fix}`);
  }
  return `${lines.join('\n')}\n`;
}
