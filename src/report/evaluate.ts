/**
 * Judging a framework: each of its controls gets pass / partial / fail from the Rampart controls
 * in force on the routes it concerns and the open findings of the categories it names.
 *
 * A requirement ("validation on all routes") passes when every route it applies to enforces the
 * control, fails when none does, and is partial in between. On a route, `enforce` counts as met,
 * `partial` as half met, and `monitor` or `off` as not met: a monitored policy records the attack
 * but does not stop it. A `recommended` requirement lowers the verdict to partial at worst.
 * Findings at or above `failAt` (default high) fail the control; at or above `partialAt`
 * (default low) make it partial. Traffic is evidence only. The control's verdict is the worst of
 * these; `n/a` when nothing applies.
 */
import { SEVERITIES, type Severity, severityRank } from '../audit/types.ts';
import { remediationFor } from './controls.ts';
import type { Framework, FrameworkRequirement, RouteScope } from './framework.ts';
import {
  CONTROL_NAMES,
  type ControlResult,
  type ControlStatus,
  FINDING_SOURCES,
  type FindingSource,
  type FrameworkResult,
  type ReportFinding,
  type RouteReport,
  type TrafficSummary,
  VERDICTS,
  type Verdict,
} from './types.ts';

/** A route with the scopes it belongs to. */
export interface ScopedRoute {
  readonly report: RouteReport;
  readonly scopes: ReadonlySet<RouteScope>;
}

/** What a framework is judged against. */
export interface EvaluationInput {
  readonly routes: readonly ScopedRoute[];
  readonly findings: readonly ReportFinding[];
  /** The sources whose reports were given (a source not given cannot pass or fail anything). */
  readonly sources: ReadonlySet<FindingSource>;
  readonly traffic: TrafficSummary | null;
}

const RANK: Readonly<Record<Verdict, number>> = { 'n/a': 0, pass: 1, partial: 2, fail: 3 };
const MAX_EXAMPLES = 3;

function worst(verdicts: readonly Verdict[]): Verdict {
  let out: Verdict = 'n/a';
  for (const v of verdicts) if (RANK[v] > RANK[out]) out = v;
  return out;
}

const SCOPE_WORDS: Readonly<Record<RouteScope, string>> = {
  all: 'routes',
  authenticated: 'authenticated routes',
  public: 'public routes',
  object: 'object-level routes',
  admin: 'admin routes',
  login: 'login routes',
  write: 'state-changing routes',
};

function routeName(r: RouteReport): string {
  return `${r.method} ${r.path}`;
}

function examples(names: readonly string[]): string {
  const shown = names.slice(0, MAX_EXAMPLES).join(', ');
  return names.length > MAX_EXAMPLES ? `${shown}, +${names.length - MAX_EXAMPLES} more` : shown;
}

function judgeRequirement(
  req: FrameworkRequirement,
  routes: readonly ScopedRoute[],
): { verdict: Verdict; evidence: string; remediation: string[] } {
  const scope = req.routes ?? 'all';
  const name = CONTROL_NAMES[req.control];
  const applicable: { route: RouteReport; status: ControlStatus }[] = [];
  for (const r of routes) {
    if (!r.scopes.has(scope)) continue;
    const status = r.report.controls.find((c) => c.control === req.control);
    if (status !== undefined && status.state !== 'n/a') applicable.push({ route: r.report, status });
  }
  const recommended = req.level === 'recommended';
  const tag = recommended ? ' (recommended)' : '';
  if (applicable.length === 0)
    return { verdict: 'n/a', evidence: `${name}${tag}: no ${SCOPE_WORDS[scope]}`, remediation: [] };

  const byState = new Map<string, string[]>();
  for (const a of applicable) {
    const list = byState.get(a.status.state) ?? [];
    list.push(routeName(a.route));
    byState.set(a.status.state, list);
  }
  const met = byState.get('enforce')?.length ?? 0;
  const half = byState.get('partial')?.length ?? 0;
  let verdict: Verdict = met === applicable.length ? 'pass' : met === 0 && half === 0 ? 'fail' : 'partial';
  if (recommended && verdict === 'fail') verdict = 'partial';

  const parts = [`enforced on ${met} of ${applicable.length} ${SCOPE_WORDS[scope]}`];
  for (const state of ['partial', 'monitor', 'off'] as const) {
    const list = byState.get(state);
    if (list !== undefined) parts.push(`${state} on ${examples(list)}`);
  }
  const details = [
    ...new Set(applicable.filter((a) => a.status.state === 'enforce').map((a) => a.status.detail)),
  ];
  const how = details.length === 1 ? ` (${details[0]})` : '';
  // one remediation line per distinct setting to change, with the routes it concerns
  const fixes = new Map<string, string[]>();
  for (const a of applicable) {
    const fix = remediationFor(a.status);
    if (fix === null) continue;
    const list = fixes.get(fix) ?? [];
    list.push(routeName(a.route));
    fixes.set(fix, list);
  }
  // TLS and logging are set once for the gateway: naming routes would only repeat "all of them"
  const global = req.control === 'tls' || req.control === 'logging';
  const remediation = [...fixes].map(([fix, list]) =>
    global
      ? `${name}: ${fix}`
      : `${name}: ${fix} (${list.length === 1 ? list[0] : `${list.length} routes: ${examples(list)}`})`,
  );
  return { verdict, evidence: `${name}${tag}: ${parts.join('; ')}${how}`, remediation };
}

function countSeverities(findings: readonly ReportFinding[]): string {
  return SEVERITIES.flatMap((s) => {
    const n = findings.filter((f) => f.severity === s).length;
    return n > 0 ? [`${n} ${s}`] : [];
  }).join(', ');
}

function judgeFindings(
  rule: NonNullable<Framework['controls'][number]['findings']>,
  input: EvaluationInput,
): { verdict: Verdict; evidence: string; remediation: string[] } {
  const sources = rule.sources ?? FINDING_SOURCES.filter((s) => s !== 'secrets');
  const given = sources.filter((s) => input.sources.has(s));
  const what = rule.categories !== undefined ? ` in ${rule.categories.join(', ')}` : '';
  if (given.length === 0)
    return {
      verdict: 'n/a',
      evidence: `findings${what}: no ${sources.join(' or ')} report given`,
      remediation: [],
    };
  const matched = input.findings.filter(
    (f) =>
      given.includes(f.source) &&
      (f.source === 'secrets' ||
        rule.categories === undefined ||
        (f.category !== null && rule.categories.includes(f.category))),
  );
  const failAt: Severity = rule.failAt ?? 'high';
  const partialAt: Severity = rule.partialAt ?? 'low';
  const at = (s: Severity) => matched.filter((f) => severityRank(f.severity) >= severityRank(s));
  const failing = at(failAt);
  const partial = at(partialAt);
  const verdict: Verdict = failing.length > 0 ? 'fail' : partial.length > 0 ? 'partial' : 'pass';
  if (matched.length === 0)
    return { verdict, evidence: `no open findings${what} from ${given.join(', ')}`, remediation: [] };
  const shown = [...matched]
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity))
    .slice(0, MAX_EXAMPLES)
    .map((f) => `${f.rule} (${f.severity}, ${f.location})`);
  const more = matched.length > MAX_EXAMPLES ? `, +${matched.length - MAX_EXAMPLES} more` : '';
  const fixes = [
    ...new Set((failing.length > 0 ? failing : partial).map((f) => `${f.rule}: ${f.remediation}`)),
  ];
  return {
    verdict,
    evidence: `${matched.length} open finding${matched.length === 1 ? '' : 's'}${what} from ${given.join(', ')} (${countSeverities(matched)}): ${shown.join('; ')}${more}`,
    remediation: fixes.slice(0, MAX_EXAMPLES),
  };
}

function trafficEvidence(categories: readonly string[], traffic: TrafficSummary): string {
  let refuse = 0;
  let monitor = 0;
  for (const c of categories) {
    const t = traffic.byCategory[c];
    if (t === undefined) continue;
    refuse += t.refuse;
    monitor += t.monitor;
  }
  return `traffic (${traffic.days} days, ${categories.join(', ')}): ${refuse} refused, ${monitor} monitored but let through${traffic.truncated ? ' (at least: the read stopped at its cap)' : ''}`;
}

/** Judge every control of a framework. */
export function evaluateFramework(fw: Framework, input: EvaluationInput): FrameworkResult {
  const controls: ControlResult[] = fw.controls.map((c) => {
    const verdicts: Verdict[] = [];
    const evidence: string[] = [];
    const remediation: string[] = [];
    for (const req of c.requires ?? []) {
      const r = judgeRequirement(req, input.routes);
      verdicts.push(r.verdict);
      evidence.push(r.evidence);
      if (r.verdict !== 'pass') remediation.push(...r.remediation);
    }
    if (c.findings !== undefined) {
      const r = judgeFindings(c.findings, input);
      verdicts.push(r.verdict);
      evidence.push(r.evidence);
      remediation.push(...r.remediation);
    }
    if (c.traffic !== undefined && input.traffic !== null)
      evidence.push(trafficEvidence(c.traffic, input.traffic));
    return {
      id: c.id,
      title: c.title,
      verdict: worst(verdicts),
      evidence,
      remediation: [...new Set(remediation)],
    };
  });
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const c of controls) counts[c.verdict]++;
  return { id: fw.id, name: fw.name, url: fw.url ?? null, source: fw.source, controls, counts };
}
