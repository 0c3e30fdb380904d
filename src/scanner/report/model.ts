/** What reporters render: the scan result with the baseline applied. */
import type { ScanResult } from '../engine.ts';
import { type Finding, SEVERITIES, type Severity, severityRank } from '../types.ts';

/** A scan result after the baseline: new findings and accepted ones. */
export interface ScanReport {
  readonly result: ScanResult;
  /** New findings, most severe first. */
  readonly findings: readonly Finding[];
  /** Findings the baseline accepts. */
  readonly accepted: readonly Finding[];
}

/** Sort findings most severe first, then by check and operation. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      a.checkId.localeCompare(b.checkId) ||
      a.id.localeCompare(b.id),
  );
}

/** Count of findings per severity. */
export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) out[f.severity]++;
  return out;
}

/** Whether any finding is at or above the threshold. */
export function failsAt(findings: readonly Finding[], threshold: Severity): boolean {
  return findings.some((f) => severityRank(f.severity) >= severityRank(threshold));
}
