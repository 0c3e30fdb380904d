/**
 * Findings of `rampart audit`, `rampart scan` and `rampart secrets` (their `--format json` output),
 * read back, checked field by field and turned into one shape. Anything else is refused with an
 * error naming the file and the field.
 */
import { readFile } from 'node:fs/promises';
import { CATEGORIES, type Category, isSeverity, type Severity } from '../audit/types.ts';
import type { FindingSource, ReportFinding } from './types.ts';

/** A report input that cannot be used: unreadable, not JSON, or not the expected report. */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}

const MAX_INPUT_BYTES = 64 * 1024 * 1024;
const MAX_FINDINGS = 100_000;
const MAX_TEXT = 4096;

/** Maps a finding's operation (method and document path) to a route label. */
export type RouteLookup = (method: string, path: string) => string | null;

/** Read a JSON file (bounded), naming the option it came from in errors. */
export async function readJsonInput(file: string, option: string): Promise<unknown> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new ReportInputError(
      `${option} ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (buf.byteLength > MAX_INPUT_BYTES) throw new ReportInputError(`${option} ${file}: larger than 64 MiB`);
  try {
    return JSON.parse(buf.toString('utf8')) as unknown;
  } catch (err) {
    throw new ReportInputError(`${option} ${file}: not valid JSON (${(err as Error).message})`);
  }
}

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A checker of one input file: every error names the file and the JSON path. */
class Fields {
  readonly where: string;
  constructor(where: string) {
    this.where = where;
  }
  fail(path: string, what: string): never {
    throw new ReportInputError(`${this.where}: ${path} ${what}`);
  }
  obj(v: unknown, path: string): Obj {
    if (!isObj(v)) this.fail(path, 'must be an object');
    return v;
  }
  str(o: Obj, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string') this.fail(`${path}.${key}`, 'must be a string');
    return v.length > MAX_TEXT ? `${v.slice(0, MAX_TEXT)}…` : v;
  }
  optStr(o: Obj, key: string, path: string): string | null {
    const v = o[key];
    if (v === undefined || v === null) return null;
    return this.str(o, key, path);
  }
  severity(o: Obj, key: string, path: string): Severity {
    const v = o[key];
    if (!isSeverity(v)) this.fail(`${path}.${key}`, 'must be critical, high, medium, low or info');
    return v;
  }
  category(o: Obj, key: string, path: string): Category {
    const v = o[key];
    if (typeof v !== 'string' || !Object.hasOwn(CATEGORIES, v))
      this.fail(`${path}.${key}`, 'must be API1 … API10');
    return v as Category;
  }
  list(o: Obj, key: string): readonly unknown[] {
    const v = o[key];
    if (!Array.isArray(v)) this.fail(key, 'must be an array');
    if (v.length > MAX_FINDINGS) this.fail(key, `has more than ${MAX_FINDINGS} entries`);
    return v;
  }
}

/** Findings of a `rampart audit --format json` report. */
export function auditFindings(json: unknown, file: string, lookup: RouteLookup): ReportFinding[] {
  const f: Fields = new Fields(`--audit ${file}`);
  const root = f.obj(json, 'the report');
  if (root.tool !== 'rampart' || !isObj(root.score))
    f.fail('the report', 'is not the JSON of `rampart audit --format json`');
  const fixes = new Map<string, string>();
  if (Array.isArray(root.rules)) {
    for (const r of root.rules) {
      if (isObj(r) && typeof r.id === 'string' && typeof r.fix === 'string') fixes.set(r.id, r.fix);
    }
  }
  return f.list(root, 'findings').map((raw, i) => {
    const p = `findings[${i}]`;
    const o = f.obj(raw, p);
    const rule = f.str(o, 'rule', p);
    const pointer = f.str(o, 'pointer', p);
    const findingFile = f.str(o, 'file', p);
    const line = typeof o.line === 'number' ? `:${o.line}` : '';
    let route: string | null = null;
    let location = `${findingFile}${line}`;
    if (isObj(o.operation)) {
      const method = f.str(o.operation, 'method', `${p}.operation`).toUpperCase();
      const path = f.str(o.operation, 'path', `${p}.operation`);
      route = lookup(method, path);
      location = `${method} ${path}`;
    }
    const message = f.str(o, 'message', p);
    return {
      source: 'audit',
      id: `audit:${rule}:${findingFile}#${pointer}`,
      rule,
      title: message,
      severity: f.severity(o, 'severity', p),
      category: f.category(o, 'category', p),
      message,
      route,
      location,
      remediation: fixes.get(rule) ?? 'fix the OpenAPI document',
    } satisfies ReportFinding;
  });
}

/** Findings of a `rampart scan --format json` report (the open ones: accepted findings are not listed). */
export function scanFindings(json: unknown, file: string, lookup: RouteLookup): ReportFinding[] {
  const f: Fields = new Fields(`--scan ${file}`);
  const root = f.obj(json, 'the report');
  if (!isObj(root.tool) || root.tool.name !== 'rampart-scan')
    f.fail('the report', 'is not the JSON of `rampart scan --format json`');
  return f.list(root, 'findings').map((raw, i) => {
    const p = `findings[${i}]`;
    const o = f.obj(raw, p);
    const op = f.obj(o.operation, `${p}.operation`);
    const method = f.str(op, 'method', `${p}.operation`).toUpperCase();
    const path = f.str(op, 'path', `${p}.operation`);
    return {
      source: 'scan',
      id: `scan:${f.str(o, 'id', p)}`,
      rule: f.str(o, 'checkId', p),
      title: f.str(o, 'title', p),
      severity: f.severity(o, 'severity', p),
      category: f.category(o, 'category', p),
      message: f.str(o, 'message', p),
      route: method === '*' ? null : lookup(method, path),
      location: method === '*' ? '*' : `${method} ${path}`,
      remediation: f.str(o, 'remediation', p),
    } satisfies ReportFinding;
  });
}

const CONFIDENCE_SEVERITY: Readonly<Record<string, Severity>> = {
  high: 'high',
  medium: 'medium',
  low: 'low',
};

/** Findings of a `rampart secrets --format json` report: leaked credentials, severity by confidence. */
export function secretsFindings(json: unknown, file: string): ReportFinding[] {
  const f: Fields = new Fields(`--secrets ${file}`);
  const root = f.obj(json, 'the report');
  if (root.tool !== 'rampart-secrets')
    f.fail('the report', 'is not the JSON of `rampart secrets --format json`');
  return f.list(root, 'findings').map((raw, i) => {
    const p = `findings[${i}]`;
    const o = f.obj(raw, p);
    const confidence = f.str(o, 'confidence', p);
    const severity = CONFIDENCE_SEVERITY[confidence];
    if (severity === undefined) f.fail(`${p}.confidence`, 'must be high, medium or low');
    const where = `${f.str(o, 'file', p)}:${typeof o.line === 'number' ? o.line : '?'}`;
    const commit = f.optStr(o, 'commit', p);
    const title = f.str(o, 'title', p);
    return {
      source: 'secrets',
      id: `secrets:${f.str(o, 'fingerprint', p)}`,
      rule: f.str(o, 'rule', p),
      title,
      severity,
      category: null,
      message: `${title} in ${where}${commit !== null ? ` (commit ${commit.slice(0, 12)})` : ''}`,
      route: null,
      location: where,
      remediation:
        'revoke and rotate the credential, move it to the environment or a secret store (${ENV} in rampart.yaml), and remove it from the tree and its history',
    } satisfies ReportFinding;
  });
}

/** The sources, for messages. */
export const SOURCE_OPTION: Readonly<Record<FindingSource, string>> = {
  audit: '--audit',
  scan: '--scan',
  secrets: '--secrets',
};
