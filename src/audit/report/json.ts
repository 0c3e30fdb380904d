import { VERSION } from '../../version.ts';
import type { AuditReport } from '../audit.ts';
import type { Finding } from '../types.ts';
import { relativePath } from './paths.ts';

function findingJson(f: Finding, cwd: string) {
  return {
    rule: f.rule,
    severity: f.severity,
    category: f.category,
    message: f.message,
    file: relativePath(f.file, cwd),
    line: f.location?.line ?? null,
    column: f.location?.column ?? null,
    pointer: f.pointer,
    operation: f.operation ?? null,
  };
}

/** The machine report: every finding with file, line, column and JSON pointer, the score and the rules. */
export function formatJson(report: AuditReport, cwd: string): string {
  const out = {
    tool: 'rampart',
    version: VERSION,
    file: relativePath(report.file, cwd),
    openapi: report.version,
    operations: report.operations,
    score: report.score,
    findings: report.findings.map((f) => findingJson(f, cwd)),
    suppressed: report.suppressed.map((f) => ({ ...findingJson(f, cwd), reason: f.reason })),
    rules: report.rules,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
