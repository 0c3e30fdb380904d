/** The severities every Rampart report uses (audit, scan). */
export type ReportSeverity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** SARIF result level for each severity. */
export const SARIF_LEVEL: Readonly<Record<ReportSeverity, 'error' | 'warning' | 'note'>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

// GitHub code scanning ranks security results by this property (0.0–10.0).
/** The `security-severity` rule property for each severity. */
export const SARIF_SECURITY_SEVERITY: Readonly<Record<ReportSeverity, string>> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

/** A SARIF rule name (PascalCase) from a rule id such as `auth.missing-401` or `bola`. */
export function sarifRuleName(id: string): string {
  return id
    .split(/[.-]/)
    .map((w) => (w === '' ? '' : w[0]!.toUpperCase() + w.slice(1)))
    .join('');
}
