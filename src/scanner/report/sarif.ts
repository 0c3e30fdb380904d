/** SARIF 2.1.0: one rule per check (with category, CWE and help), one result per finding, located at the operation. */
import { createHash } from 'node:crypto';
import { SARIF_LEVEL, SARIF_SECURITY_SEVERITY, sarifRuleName } from '../../util/sarif.ts';
import { VERSION } from '../../version.ts';
import type { Finding } from '../types.ts';
import type { ScanReport } from './model.ts';

/** Render SARIF; `specUri` is the OpenAPI document as the results' artifact (relative when possible). */
export function formatSarif(report: ScanReport, specUri: string): string {
  const checks = report.result.checks;
  const index = new Map(checks.map((c, i) => [c.id, i]));
  const result = (f: Finding, accepted: boolean) => {
    const out: Record<string, unknown> = {
      ruleId: f.checkId,
      ruleIndex: index.get(f.checkId),
      level: SARIF_LEVEL[f.severity],
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
              name: sarifRuleName(c.id),
              shortDescription: { text: c.title },
              fullDescription: { text: c.description },
              help: {
                text: c.remediation,
                markdown: `**Fix:** ${c.remediation}\n\n**Severity:** ${c.severityReason}`,
              },
              defaultConfiguration: { level: SARIF_LEVEL[c.severity] },
              relationships: [
                {
                  target: { id: String(c.cwe), toolComponent: { name: 'CWE' } },
                  kinds: ['superset'],
                },
              ],
              properties: {
                category: c.category,
                severity: c.severity,
                'security-severity': SARIF_SECURITY_SEVERITY[c.severity],
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
