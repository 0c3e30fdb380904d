import { VERSION } from '../version.ts';
import type { ScanResult } from './scan.ts';
import type { Confidence, Finding, SecretRule } from './types.ts';

/** Output formats of `rampart secrets`. */
export type ReportFormat = 'table' | 'json' | 'sarif';

function location(f: Finding): string {
  const src = f.source !== undefined ? ` (${f.source})` : '';
  const commit = f.commit !== undefined ? ` @${f.commit.slice(0, 12)}` : '';
  return `${f.file}${src}:${f.line}:${f.column}${commit}`;
}

/** Stable order: file, line, column, rule. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.commit ?? '').localeCompare(b.commit ?? '') ||
      a.line - b.line ||
      a.column - b.column ||
      a.ruleId.localeCompare(b.ruleId),
  );
}

function count(findings: readonly Finding[], c: Confidence): number {
  return findings.filter((f) => f.confidence === c).length;
}

/** A plain-text table for terminals: one row per finding, then a summary line. */
export function formatTable(result: ScanResult): string {
  const rows = sortFindings(result.findings).map((f) => [
    f.confidence,
    f.ruleId,
    location(f),
    f.redacted,
    f.fingerprint,
    f.note ?? '',
  ]);
  const header = ['CONFIDENCE', 'RULE', 'LOCATION', 'SECRET', 'FINGERPRINT', 'NOTE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  const f = result.findings;
  const what =
    result.commitsScanned !== undefined
      ? `${result.commitsScanned} commits, ${result.filesScanned} files`
      : `${result.filesScanned} files`;
  const summary =
    `${f.length} finding${f.length === 1 ? '' : 's'} (${count(f, 'high')} high, ${count(f, 'medium')} medium, ` +
    `${count(f, 'low')} low) in ${what}` +
    (result.allowed > 0 ? `; ${result.allowed} allowlisted` : '') +
    (result.skipped.length > 0 ? `; ${result.skipped.length} skipped` : '');
  if (rows.length === 0) return `${summary}\n`;
  return `${[line(header), ...rows.map(line)].join('\n')}\n\n${summary}\n`;
}

/** Machine-readable JSON: findings (redacted) and counts. */
export function formatJson(result: ScanResult): string {
  const f = result.findings;
  return `${JSON.stringify(
    {
      tool: 'rampart-secrets',
      version: VERSION,
      findings: sortFindings(f).map((x) => ({
        rule: x.ruleId,
        title: x.title,
        file: x.file,
        ...(x.source !== undefined ? { source: x.source } : {}),
        ...(x.commit !== undefined ? { commit: x.commit } : {}),
        line: x.line,
        column: x.column,
        endLine: x.endLine,
        endColumn: x.endColumn,
        confidence: x.confidence,
        ...(x.note !== undefined ? { note: x.note } : {}),
        fingerprint: x.fingerprint,
        secret: x.redacted,
        length: x.length,
      })),
      summary: {
        findings: f.length,
        high: count(f, 'high'),
        medium: count(f, 'medium'),
        low: count(f, 'low'),
        filesScanned: result.filesScanned,
        bytesScanned: result.bytesScanned,
        ...(result.commitsScanned !== undefined ? { commitsScanned: result.commitsScanned } : {}),
        allowlisted: result.allowed,
        skipped: result.skipped.length,
      },
    },
    null,
    2,
  )}\n`;
}

const LEVEL: Record<Confidence, 'error' | 'warning' | 'note'> = {
  high: 'error',
  medium: 'warning',
  low: 'note',
};

/** SARIF 2.1.0 with every rule's metadata, for code-scanning uploads. */
export function formatSarif(result: ScanResult, rules: readonly SecretRule[]): string {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'rampart-secrets',
            version: VERSION,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.title,
              shortDescription: { text: r.title },
              fullDescription: { text: r.description },
              help: {
                text: `${r.description} Revoke the credential, then remove it from the code and its history.`,
              },
              defaultConfiguration: { level: LEVEL[r.confidence] },
              properties: { tags: ['security', 'secrets'], confidence: r.confidence },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: sortFindings(result.findings).map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: index.get(f.ruleId) ?? -1,
          level: LEVEL[f.confidence],
          message: {
            text:
              `${f.title}: ${f.redacted}` +
              (f.source !== undefined ? ` in embedded source ${f.source}` : '') +
              (f.commit !== undefined ? ` added in commit ${f.commit}` : '') +
              (f.note !== undefined ? ` (${f.note})` : ''),
          },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeURI(f.file) },
                region: {
                  startLine: f.line,
                  startColumn: f.column,
                  endLine: f.endLine,
                  endColumn: f.endColumn,
                },
              },
            },
          ],
          partialFingerprints: { 'rampartSecret/v1': f.fingerprint },
          properties: {
            confidence: f.confidence,
            ...(f.commit !== undefined ? { commit: f.commit } : {}),
            ...(f.source !== undefined ? { source: f.source } : {}),
          },
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
