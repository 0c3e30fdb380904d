import type { LoadedDocument } from '../openapi/load.ts';
import { type AuditConfig, DEFAULT_AUDIT_CONFIG } from './config.ts';
import { createContext } from './context.ts';
import { collectIgnores, findIgnore } from './ignore.ts';
import { RULES } from './rules/index.ts';
import { type Score, scoreFindings } from './score.ts';
import { type Finding, type Rule, type Severity, type SuppressedFinding, severityRank } from './types.ts';

/** A rule as it ran: its metadata with the severity the config gave it. */
export interface EffectiveRule {
  readonly id: string;
  readonly title: string;
  readonly category: Rule['category'];
  readonly severity: Severity;
  readonly description: string;
  readonly fix: string;
  readonly enabled: boolean;
}

export interface AuditReport {
  /** Absolute path of the audited document. */
  readonly file: string;
  readonly version: '3.0' | '3.1';
  readonly operations: number;
  readonly score: Score;
  /** Findings that count, most severe first. */
  readonly findings: readonly Finding[];
  /** Findings silenced by an inline ignore with a reason. */
  readonly suppressed: readonly SuppressedFinding[];
  readonly rules: readonly EffectiveRule[];
}

export interface AuditOptions {
  readonly config?: AuditConfig;
  /** The rules to run; the built-in RULES by default. */
  readonly rules?: readonly Rule[];
}

/** Run every enabled rule over a loaded document, apply inline ignores, and score what remains. */
export function auditDocument(doc: LoadedDocument, options: AuditOptions = {}): AuditReport {
  const rules = options.rules ?? RULES;
  const config = options.config ?? DEFAULT_AUDIT_CONFIG;
  // Ignores may name any built-in rule, even when a caller runs a subset.
  const ctx = createContext(doc, new Set([...RULES, ...rules].map((r) => r.id)));
  const effective: EffectiveRule[] = rules.map((rule) => {
    const setting = config.rules.get(rule.id);
    return {
      id: rule.id,
      title: rule.title,
      category: rule.category,
      severity: setting?.severity ?? rule.severity,
      description: rule.description,
      fix: rule.fix,
      enabled: setting?.enabled ?? true,
    };
  });
  const { entries } = collectIgnores(ctx);
  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  rules.forEach((rule, i) => {
    const meta = effective[i]!;
    if (!meta.enabled) return;
    for (const hit of rule.check(ctx)) {
      const finding: Finding = { ...hit, rule: rule.id, severity: meta.severity, category: rule.category };
      const ignore = findIgnore(entries, finding, doc.file);
      if (ignore) suppressed.push({ ...finding, reason: ignore.reason });
      else findings.push(finding);
    }
  });
  findings.sort(compareFindings);
  suppressed.sort(compareFindings);
  return {
    file: doc.file,
    version: doc.version,
    operations: ctx.operations.length,
    score: scoreFindings(findings),
    findings,
    suppressed,
    rules: effective,
  };
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
    (a.location?.column ?? 0) - (b.location?.column ?? 0) ||
    (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)
  );
}

/** Whether a report fails a `--fail-on` threshold: any finding at or above that severity. */
export function failsThreshold(report: AuditReport, failOn: Severity): boolean {
  const bar = severityRank(failOn);
  return report.findings.some((f) => severityRank(f.severity) >= bar);
}
