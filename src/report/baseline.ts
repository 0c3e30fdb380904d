/** Diff mode: what improved and what regressed since a previous `rampart report --format json`. */
import { ReportInputError } from './findings.ts';
import {
  type BaselineDiff,
  type DiffEntry,
  FINDING_SOURCES,
  type FindingSource,
  type PostureReport,
} from './types.ts';

const VERDICT_RANK: Readonly<Record<string, number>> = { pass: 0, partial: 1, fail: 2 };
const STATE_RANK: Readonly<Record<string, number>> = { enforce: 0, partial: 1, monitor: 2, off: 3 };
const MAX_ENTRIES = 10_000;

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const arr = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v.slice(0, MAX_ENTRIES) : []);

/** The parts of a previous report a diff reads, checked. */
interface BaselineView {
  readonly generatedAt: string;
  readonly verdicts: Map<string, string>;
  readonly states: Map<string, string>;
  readonly findings: Map<string, string>;
  /** The finding sources the baseline had reports of. */
  readonly sources: ReadonlySet<string>;
}

/** Check that a parsed JSON value is a report of `rampart report --format json`, and read it. */
export function readBaseline(json: unknown, file: string): BaselineView {
  const fail = (what: string): never => {
    throw new ReportInputError(`--baseline ${file}: ${what}`);
  };
  if (!isObj(json) || json.tool !== 'rampart-report')
    fail('is not the JSON of `rampart report --format json`');
  const root = json as Obj;
  if (!Array.isArray(root.frameworks) || !Array.isArray(root.routes) || !Array.isArray(root.findings))
    fail('frameworks, routes and findings must be arrays');
  const verdicts = new Map<string, string>();
  for (const [i, fw] of arr(root.frameworks).entries()) {
    if (!isObj(fw) || typeof fw.id !== 'string') fail(`frameworks[${i}].id must be a string`);
    const f = fw as Obj;
    for (const [j, c] of arr(f.controls).entries()) {
      if (!isObj(c) || typeof c.id !== 'string' || typeof c.verdict !== 'string')
        fail(`frameworks[${i}].controls[${j}] must have an id and a verdict`);
      const ctl = c as Obj;
      verdicts.set(`${f.id as string} ${ctl.id as string}`, ctl.verdict as string);
    }
  }
  const states = new Map<string, string>();
  for (const [i, r] of arr(root.routes).entries()) {
    if (!isObj(r) || typeof r.label !== 'string') fail(`routes[${i}].label must be a string`);
    const route = r as Obj;
    for (const c of arr(route.controls)) {
      if (isObj(c) && typeof c.control === 'string' && typeof c.state === 'string')
        states.set(`${route.label as string} ${c.control}`, c.state);
    }
  }
  const findings = new Map<string, string>();
  for (const [i, f] of arr(root.findings).entries()) {
    if (!isObj(f) || typeof f.id !== 'string') fail(`findings[${i}].id must be a string`);
    const finding = f as Obj;
    findings.set(finding.id as string, `${String(finding.severity)} ${String(finding.rule)}`);
  }
  const sources = new Set<string>();
  const inputs = isObj(root.inputs) ? root.inputs : {};
  for (const s of FINDING_SOURCES) if (Array.isArray(inputs[s]) && inputs[s].length > 0) sources.add(s);
  return {
    sources,
    generatedAt: typeof root.generatedAt === 'string' ? root.generatedAt : 'unknown',
    verdicts,
    states,
    findings,
  };
}

function compare(
  kind: DiffEntry['kind'],
  before: Map<string, string>,
  after: Map<string, string>,
  rank: Readonly<Record<string, number>>,
  out: { improved: DiffEntry[]; regressed: DiffEntry[] },
): void {
  for (const [key, now] of after) {
    const was = before.get(key);
    if (was === undefined || was === now) continue;
    const a = rank[was];
    const b = rank[now];
    if (a === undefined || b === undefined) continue; // n/a on either side: not comparable
    const entry = { kind, key, before: was, after: now };
    if (b < a) out.improved.push({ ...entry, direction: 'improved' });
    else out.regressed.push({ ...entry, direction: 'regressed' });
  }
}

/** What changed between a baseline and the current report. */
export function diffReports(baseline: BaselineView, current: PostureReport, file: string): BaselineDiff {
  const out = { improved: [] as DiffEntry[], regressed: [] as DiffEntry[] };
  const verdicts = new Map<string, string>();
  for (const fw of current.frameworks)
    for (const c of fw.controls) verdicts.set(`${fw.id} ${c.id}`, c.verdict);
  compare('framework', baseline.verdicts, verdicts, VERDICT_RANK, out);
  const states = new Map<string, string>();
  for (const r of current.routes) for (const c of r.controls) states.set(`${r.label} ${c.control}`, c.state);
  compare('control', baseline.states, states, STATE_RANK, out);
  // findings are compared only for the sources both runs had reports of: a report left out is
  // not a fix
  const both = new Set(
    FINDING_SOURCES.filter((s) => baseline.sources.has(s) && current.inputs[s].length > 0),
  );
  const sourceOf = (id: string) => id.slice(0, id.indexOf(':'));
  const findings = new Map(
    current.findings.filter((f) => both.has(f.source)).map((f) => [f.id, `${f.severity} ${f.rule}`]),
  );
  for (const [id, what] of baseline.findings) {
    if (both.has(sourceOf(id) as FindingSource) && !findings.has(id))
      out.improved.push({ kind: 'finding', key: id, before: what, after: 'gone', direction: 'improved' });
  }
  for (const [id, what] of findings) {
    if (!baseline.findings.has(id))
      out.regressed.push({ kind: 'finding', key: id, before: 'absent', after: what, direction: 'regressed' });
  }
  const changed = FINDING_SOURCES.filter((s) => baseline.sources.has(s) !== current.inputs[s].length > 0);
  const notes =
    changed.length > 0
      ? [
          `the baseline and this report differ in their ${changed.join(', ')} input: those findings are not compared, and framework verdicts may change for that reason alone`,
        ]
      : [];
  return { baseline: file, baselineGeneratedAt: baseline.generatedAt, notes, ...out };
}
