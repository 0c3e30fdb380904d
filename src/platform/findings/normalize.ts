/** A finding as the dashboard lists it, from an imported `rampart scan` or `rampart audit` JSON report. */
export interface ImportedFinding {
  readonly importId: string;
  readonly tool: 'scan' | 'audit';
  readonly rule: string;
  readonly title: string;
  readonly severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  /** OWASP API Security Top 10 (2023) category, API1..API10, or null. */
  readonly category: string | null;
  /** `METHOD /path`, or `file:line` for audit findings without an operation. */
  readonly location: string;
  readonly message: string;
  readonly remediation: string | null;
}

/** One imported report, before it gets an id. */
export interface NormalizedReport {
  readonly tool: 'scan' | 'audit';
  readonly source: string;
  readonly findings: readonly Omit<ImportedFinding, 'importId'>[];
}

/** Raised for a body that is not a scan or audit JSON report; the message says what is wrong. */
export class FindingsFormatError extends Error {}

/** Most findings one import keeps. */
export const MAX_FINDINGS_PER_IMPORT = 5000;
const SEVERITIES = new Set(['critical', 'high', 'medium', 'low', 'info']);
const CATEGORY = /^API(?:[1-9]|10)$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max: number): string => (typeof v === 'string' ? v.slice(0, max) : '');

function severityOf(v: unknown, i: number): ImportedFinding['severity'] {
  if (typeof v !== 'string' || !SEVERITIES.has(v))
    throw new FindingsFormatError(`findings[${i}].severity must be one of critical, high, medium, low, info`);
  return v as ImportedFinding['severity'];
}

function findingsOf(report: Obj): unknown[] {
  const list = report.findings;
  if (!Array.isArray(list)) throw new FindingsFormatError('"findings" must be an array');
  if (list.length > MAX_FINDINGS_PER_IMPORT)
    throw new FindingsFormatError(`more than ${MAX_FINDINGS_PER_IMPORT} findings in one report`);
  return list;
}

function operationLabel(op: unknown): string | undefined {
  if (!isObj(op) || typeof op.method !== 'string' || typeof op.path !== 'string') return undefined;
  if (op.method === '*') return '(whole target)';
  return `${op.method.toUpperCase().slice(0, 16)} ${op.path.slice(0, 2000)}`;
}

/** Read the JSON of `rampart scan --format json` or `rampart audit --format json` into dashboard findings. */
export function normalizeReport(report: unknown): NormalizedReport {
  if (!isObj(report)) throw new FindingsFormatError('the report must be a JSON object');
  const tool = report.tool;
  if (isObj(tool) && tool.name === 'rampart-scan') {
    const findings = findingsOf(report).map((f, i) => {
      if (!isObj(f)) throw new FindingsFormatError(`findings[${i}] must be an object`);
      const category = text(f.category, 8);
      return {
        tool: 'scan' as const,
        rule: text(f.checkId, 128) || 'unknown',
        title: text(f.title, 256) || text(f.checkId, 256),
        severity: severityOf(f.severity, i),
        category: CATEGORY.test(category) ? category : null,
        location: operationLabel(f.operation) ?? '(whole target)',
        message: text(f.message, 4096),
        remediation: text(f.remediation, 4096) || null,
      };
    });
    return { tool: 'scan', source: text(report.target, 512), findings };
  }
  if (tool === 'rampart' && typeof report.file === 'string') {
    const fixes = new Map<string, string>();
    if (Array.isArray(report.rules))
      for (const r of report.rules.slice(0, 10_000))
        if (isObj(r) && typeof r.id === 'string' && typeof r.fix === 'string') fixes.set(r.id, r.fix);
    const findings = findingsOf(report).map((f, i) => {
      if (!isObj(f)) throw new FindingsFormatError(`findings[${i}] must be an object`);
      const rule = text(f.rule, 128) || 'unknown';
      const category = text(f.category, 8);
      const line = typeof f.line === 'number' ? `:${f.line}` : '';
      return {
        tool: 'audit' as const,
        rule,
        title: rule,
        severity: severityOf(f.severity, i),
        category: CATEGORY.test(category) ? category : null,
        location: operationLabel(f.operation) ?? `${text(f.file, 1900)}${line}`,
        message: text(f.message, 4096),
        remediation: fixes.get(rule)?.slice(0, 4096) ?? null,
      };
    });
    return { tool: 'audit', source: text(report.file, 512), findings };
  }
  throw new FindingsFormatError(
    'not a rampart scan report (tool.name "rampart-scan") or audit report (tool "rampart"); import the --format json output',
  );
}
