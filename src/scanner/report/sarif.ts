/** SARIF 2.1.0: one rule per check (with category, CWE and help), one result per finding, located at the operation. */
import { createHash } from 'node:crypto';
import { VERSION } from '../../version.ts';
import type { Finding, Severity } from '../types.ts';
import type { ScanReport } from './model.ts';

const LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

// GitHub code scanning ranks security results by this property (0.0–10.0).
const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

function ruleName(id: string): string {
  return id
    .split('-')
    .map((w) => (w === '' ? '' : w[0]?.toUpperCase() + w.slice(1)))
    .join('');
}

/** Render SARIF; `specUri` is the OpenAPI document as the results' artifact (relative when possible). */
export function formatSarif(report: ScanReport, specUri: string): string {
  const checks = report.result.checks;
  const index = new Map(checks.map((c, i) => [c.id, i]));
  const result = (f: Finding, accepted: boolean) => {
    const out: Record<string, unknown> = {
      ruleId: f.checkId,
      ruleIndex: index.get(f.checkId),
      level: LEVEL[f.severity],
      message: { text: `${f.message} (${f.operation.method} ${f.operation.path})` },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: specUri } },
          logicalLocations: [
            {
              fullyQualifiedName: `${f.operation.method} ${f.operation.path}`,
              name: f.operation.operationId ?? `${f.operation.method} ${f.operation.path}`,
              kind: 'function',
            },
          ],
        },
      ],
      partialFingerprints: { 'rampartScan/v1': createHash('sha256').update(f.id).digest('hex').slice(0, 32) },
      properties: {
        findingId: f.id,
        severity: f.severity,
        category: f.category,
        cwe: `CWE-${f.cwe}`,
        evidence: f.evidence,
      },
    };
    if (accepted) out.suppressions = [{ kind: 'external', justification: 'accepted in the scan baseline' }];
    return out;
  };
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'rampart-scan',
            version: VERSION,
            informationUri: 'https://owasp.org/API-Security/editions/2023/en/0x11-t10/',
            rules: checks.map((c) => ({
              id: c.id,
              name: ruleName(c.id),
              shortDescription: { text: c.title },
              fullDescription: { text: c.description },
              help: {
                text: c.remediation,
                markdown: `**Fix:** ${c.remediation}\n\n**Severity:** ${c.severityReason}`,
              },
              defaultConfiguration: { level: LEVEL[c.severity] },
              relationships: [
                {
                  target: { id: String(c.cwe), toolComponent: { name: 'CWE' } },
                  kinds: ['superset'],
                },
              ],
              properties: {
                category: c.category,
                severity: c.severity,
                'security-severity': SECURITY_SEVERITY[c.severity],
                tags: ['security', 'api', `owasp-${c.category.toLowerCase()}`, `external/cwe/cwe-${c.cwe}`],
              },
            })),
          },
        },
        invocations: [{ executionSuccessful: report.result.stopped === undefined }],
        results: [
          ...report.findings.map((f) => result(f, false)),
          ...report.accepted.map((f) => result(f, true)),
        ],
        properties: {
          target: report.result.target,
          requests: report.result.requests,
          durationMs: report.result.durationMs,
        },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
