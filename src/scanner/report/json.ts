/** JSON report: the whole result, findings with their evidence (credentials already redacted). */
import { VERSION } from '../../version.ts';
import { countBySeverity, type ScanReport } from './model.ts';

/** Render the JSON report. */
export function formatJson(report: ScanReport): string {
  const { result } = report;
  return `${JSON.stringify(
    {
      tool: { name: 'rampart-scan', version: VERSION },
      target: result.target,
      spec: result.spec,
      startedAt: result.startedAt,
      durationMs: result.durationMs,
      requests: result.requests,
      units: result.units,
      statuses: result.statuses,
      stopped: result.stopped ?? null,
      summary: countBySeverity(report.findings),
      checks: result.checks,
      findings: report.findings,
      accepted: report.accepted.map((f) => f.id),
      errors: result.errors,
    },
    null,
    2,
  )}\n`;
}
