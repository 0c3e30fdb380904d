/** Assemble the posture report from a compiled plan, findings, traffic and frameworks. */
import { SEVERITIES, type Severity } from '../audit/types.ts';
import type { CompiledRoute, Plan } from '../gateway/plan.ts';
import { VERSION } from '../version.ts';
import { isAdminRoute, isObjectRoute, routeControls } from './controls.ts';
import { evaluateFramework, type ScopedRoute } from './evaluate.ts';
import type { RouteLookup } from './findings.ts';
import type { Framework, RouteScope } from './framework.ts';
import {
  CONTROL_IDS,
  CONTROL_STATES,
  type ControlId,
  type ControlState,
  type FindingSource,
  type PostureReport,
  type ReportFinding,
  type RouteReport,
  type StateCounts,
  type TrafficSummary,
} from './types.ts';

/** What a report is built from (the CLI reads the files and the store). */
export interface ReportInputs {
  readonly plan: Plan;
  /** The config as the report names it (relative to the working directory). */
  readonly config: string;
  readonly findings: readonly ReportFinding[];
  readonly files: Readonly<Record<FindingSource, readonly string[]>>;
  readonly traffic: TrafficSummary | null;
  readonly eventsStore: 'sqlite' | 'postgres' | null;
  readonly frameworks: readonly Framework[];
  readonly now?: Date;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The route label of an operation, by method and document path (for audit and scan findings). */
export function routeLookup(plan: Plan): RouteLookup {
  const map = new Map<string, string>();
  for (const r of plan.routes) {
    if (r.operation === undefined) continue;
    // the document's path (audit, scan) and the served template (a scan through the gateway)
    for (const key of [`${r.method} ${r.operation.path}`, `${r.method} ${r.template}`]) {
      if (!map.has(key)) map.set(key, r.label);
    }
  }
  return (method, path) => map.get(`${method.toUpperCase()} ${path}`) ?? null;
}

function scopesOf(plan: Plan, route: CompiledRoute): Set<RouteScope> {
  const s = new Set<RouteScope>(['all']);
  const authenticated = route.authenticated && !route.passthrough;
  s.add(authenticated ? 'authenticated' : 'public');
  if (isObjectRoute(route)) s.add('object');
  if (authenticated && isAdminRoute(plan.config, route)) s.add('admin');
  if (route.policy.login !== undefined) s.add('login');
  if (WRITE_METHODS.has(route.method)) s.add('write');
  return s;
}

function zeroSeverities(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

/** Build the report (without a baseline diff). */
export function buildReport(inputs: ReportInputs): PostureReport {
  const { plan, findings, traffic } = inputs;
  const scoped: ScopedRoute[] = plan.routes.map((route) => {
    const counts = zeroSeverities();
    for (const f of findings) if (f.route === route.label) counts[f.severity]++;
    const report: RouteReport = {
      label: route.label,
      api: route.api.name,
      method: route.method,
      path: route.template,
      operationId: route.operation?.operationId ?? null,
      authenticated: route.authenticated,
      controls: routeControls(plan, route),
      findings: counts,
      traffic:
        traffic === null ? null : (traffic.byRoute[route.label] ?? { refuse: 0, monitor: 0, error: 0 }),
    };
    return { report, scopes: scopesOf(plan, route) };
  });
  const routes = scoped.map((s) => s.report);

  const controls = Object.fromEntries(
    CONTROL_IDS.map((id) => {
      const counts = Object.fromEntries(CONTROL_STATES.map((s) => [s, 0])) as Record<ControlState, number>;
      for (const r of routes) {
        const st = r.controls.find((c) => c.control === id);
        if (st !== undefined) counts[st.state]++;
      }
      return [id, counts as StateCounts];
    }),
  ) as Record<ControlId, StateCounts>;
  const severities = zeroSeverities();
  for (const f of findings) severities[f.severity]++;

  const sources = new Set<FindingSource>(
    (Object.keys(inputs.files) as FindingSource[]).filter((s) => inputs.files[s].length > 0),
  );
  const frameworks = inputs.frameworks.map((fw) =>
    evaluateFramework(fw, { routes: scoped, findings, sources, traffic }),
  );
  const warnings = [...plan.warnings];
  const unmapped = findings.filter((f) => f.route === null && f.location.match(/^[A-Z]+ \//) !== null).length;
  if (unmapped > 0)
    warnings.push(`${unmapped} finding(s) name operations that no route of the config serves`);
  if (traffic?.truncated === true)
    warnings.push('the events read stopped at its cap: traffic counts are a lower bound');

  return {
    tool: 'rampart-report',
    version: VERSION,
    generatedAt: (inputs.now ?? new Date()).toISOString(),
    config: inputs.config,
    inputs: {
      audit: inputs.files.audit,
      scan: inputs.files.scan,
      secrets: inputs.files.secrets,
      events:
        inputs.eventsStore === null || traffic === null
          ? null
          : { store: inputs.eventsStore, days: traffic.days },
    },
    summary: { routes: routes.length, controls, findings: severities },
    routes,
    findings: [...findings].sort(
      (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.id.localeCompare(b.id),
    ),
    traffic,
    frameworks,
    warnings,
    diff: null,
  };
}
