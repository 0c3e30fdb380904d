import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { SARIF_LEVEL, SARIF_SECURITY_SEVERITY, sarifRuleName } from '../../util/sarif.ts';
import { VERSION } from '../../version.ts';
import type { AuditReport } from '../audit.ts';
import type { Finding, SuppressedFinding } from '../types.ts';
import { artifactLocation, relativePath } from './paths.ts';

/** SARIF 2.1.0: rule metadata, and results with physical locations (startLine/startColumn) for PR annotations. */
export function formatSarif(report: AuditReport, cwd: string): string {
  const rules = report.rules.filter((r) => r.enabled);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const result = (f: Finding | SuppressedFinding) => {
    const physicalLocation: Record<string, unknown> = { artifactLocation: artifactLocation(f.file, cwd) };
    if (f.location) physicalLocation.region = { startLine: f.location.line, startColumn: f.location.column };
    const out: Record<string, unknown> = {
      ruleId: f.rule,
      ruleIndex: index.get(f.rule),
      level: SARIF_LEVEL[f.severity],
      message: { text: f.message },
      locations: [
        {
          physicalLocation,
          logicalLocations: [
            { fullyQualifiedName: `${relativePath(f.file, cwd)}#${f.pointer}`, kind: 'member' },
          ],
        },
      ],
      partialFingerprints: {
        'rampartAudit/v1': createHash('sha256')
          .update(`${f.rule}\0${relativePath(f.file, cwd)}\0${f.pointer}\0${f.operation?.pointer ?? ''}`)
          .digest('hex')
          .slice(0, 32),
      },
      properties: { severity: f.severity, category: f.category, pointer: f.pointer },
    };
    if ('reason' in f) out.suppressions = [{ kind: 'inSource', justification: f.reason }];
    return out;
  };
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'rampart-audit',
            version: VERSION,
            informationUri: 'https://owasp.org/API-Security/editions/2023/en/0x11-t10/',
            rules: rules.map((r) => ({
              id: r.id,
              name: sarifRuleName(r.id),
              shortDescription: { text: r.title },
              fullDescription: { text: r.description },
              help: { text: r.fix, markdown: `**Fix:** ${r.fix}` },
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
              properties: {
                category: r.category,
                severity: r.severity,
                'security-severity': SARIF_SECURITY_SEVERITY[r.severity],
                tags: ['security', 'openapi', `owasp-${r.category.toLowerCase()}`],
              },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(cwd.endsWith('/') ? cwd : `${cwd}/`).href } },
        results: [...report.findings.map(result), ...report.suppressed.map(result)],
        properties: { score: report.score.score, categories: report.score.categories },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
