import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { VERSION } from '../../version.ts';
import type { AuditReport } from '../audit.ts';
import type { Finding, Severity, SuppressedFinding } from '../types.ts';
import { artifactLocation, relativePath } from './paths.ts';

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
    .split(/[.-]/)
    .map((w) => (w === '' ? '' : w[0]!.toUpperCase() + w.slice(1)))
    .join('');
}

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
      level: LEVEL[f.severity],
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
              name: ruleName(r.id),
              shortDescription: { text: r.title },
              fullDescription: { text: r.description },
              help: { text: r.fix, markdown: `**Fix:** ${r.fix}` },
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: {
                category: r.category,
                severity: r.severity,
                'security-severity': SECURITY_SEVERITY[r.severity],
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
