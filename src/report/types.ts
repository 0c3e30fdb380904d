/** The posture report's model: what `rampart report` computes and every renderer reads. */
import type { Category, Severity } from '../audit/types.ts';

export type { Category, Severity } from '../audit/types.ts';

/** The Rampart controls a report judges, per route. */
export const CONTROL_IDS = [
  'inventory',
  'authentication',
  'authorization',
  'ownership',
  'rateLimit',
  'bruteForce',
  'resourceLimits',
  'validation',
  'inspection',
  'responseFiltering',
  'tls',
  'logging',
] as const;
export type ControlId = (typeof CONTROL_IDS)[number];

/** Human names of the controls, for tables and charts. */
export const CONTROL_NAMES: Readonly<Record<ControlId, string>> = Object.freeze({
  inventory: 'Declared routes (deny by default)',
  authentication: 'Authentication',
  authorization: 'Authorization (scopes, roles, admin)',
  ownership: 'Object ownership (BOLA)',
  rateLimit: 'Rate limits',
  bruteForce: 'Brute-force protection',
  resourceLimits: 'Size and count limits',
  validation: 'Request validation',
  inspection: 'Injection inspection',
  responseFiltering: 'Response filtering',
  tls: 'TLS',
  logging: 'Logging and security events',
});

/**
 * How a control stands on a route: `enforce` refuses, `monitor` only records, `partial` is in force
 * but incomplete (e.g. an access log without security events), `off` is not in force, `n/a` does not
 * apply to the route (authentication of a public operation).
 */
export type ControlState = 'enforce' | 'monitor' | 'partial' | 'off' | 'n/a';
export const CONTROL_STATES: readonly ControlState[] = ['enforce', 'monitor', 'partial', 'off', 'n/a'];

/** One control on one route, with the config key that decides it. */
export interface ControlStatus {
  readonly control: ControlId;
  readonly state: ControlState;
  /** What is in force, e.g. "jwt (bearerAuth)" or "30/60s by ip". */
  readonly detail: string;
  /** The config key path that sets this state, e.g. `validation.mode` or `apis.0.routes.getUser.mode`. */
  readonly setting: string;
}

/** Where a finding came from. */
export type FindingSource = 'audit' | 'scan' | 'secrets';
export const FINDING_SOURCES: readonly FindingSource[] = ['audit', 'scan', 'secrets'];

/** A finding of audit, scan or secrets, in one shape. */
export interface ReportFinding {
  readonly source: FindingSource;
  /** Stable id (for baselines): source, rule and location. */
  readonly id: string;
  readonly rule: string;
  readonly title: string;
  readonly severity: Severity;
  /** OWASP API Top 10 category; null for leaked secrets. */
  readonly category: Category | null;
  readonly message: string;
  /** The route label (`api:operation`) the finding is about, when it maps to one. */
  readonly route: string | null;
  /** Where: `METHOD /path`, `file:line`, or `*`. */
  readonly location: string;
  readonly remediation: string;
}

/** Refusals and monitor hits of one category (`auth`, `inject`, …). */
export interface TrafficCount {
  readonly refuse: number;
  readonly monitor: number;
  readonly error: number;
}

/** The traffic picture from the events store. */
export interface TrafficSummary {
  readonly days: number;
  readonly since: string;
  readonly until: string;
  readonly events: number;
  /** True when the read stopped at the cap (the counts are a lower bound). */
  readonly truncated: boolean;
  readonly byCategory: Readonly<Record<string, TrafficCount>>;
  readonly byRoute: Readonly<Record<string, TrafficCount>>;
  /** Per UTC day (YYYY-MM-DD), oldest first. */
  readonly byDay: readonly { readonly day: string; readonly refuse: number; readonly monitor: number }[];
}

/** One route of the report. */
export interface RouteReport {
  /** `api:operation`: the label metrics and events use. */
  readonly label: string;
  readonly api: string;
  readonly method: string;
  readonly path: string;
  readonly operationId: string | null;
  readonly authenticated: boolean;
  readonly controls: readonly ControlStatus[];
  readonly findings: Readonly<Record<Severity, number>>;
  readonly traffic: TrafficCount | null;
}

/** Counts of routes per state, for one control. */
export type StateCounts = Readonly<Record<ControlState, number>>;

/** The verdict of one framework control. */
export type Verdict = 'pass' | 'partial' | 'fail' | 'n/a';
export const VERDICTS: readonly Verdict[] = ['pass', 'partial', 'fail', 'n/a'];

/** One framework control, judged. */
export interface ControlResult {
  readonly id: string;
  readonly title: string;
  readonly verdict: Verdict;
  /** Facts that decided it, one sentence each. */
  readonly evidence: readonly string[];
  /** What to change, naming the Rampart setting (config key path). */
  readonly remediation: readonly string[];
}

/** One framework, judged. */
export interface FrameworkResult {
  readonly id: string;
  readonly name: string;
  readonly url: string | null;
  /** `builtin` or the file it was loaded from. */
  readonly source: string;
  readonly controls: readonly ControlResult[];
  readonly counts: Readonly<Record<Verdict, number>>;
}

/** A change against a baseline report. */
export interface DiffEntry {
  readonly kind: 'framework' | 'control' | 'finding';
  /** e.g. `owasp-api-2023 API1`, `demo:getUser validation`, a finding id. */
  readonly key: string;
  readonly before: string;
  readonly after: string;
  readonly direction: 'improved' | 'regressed';
}

/** What changed since a baseline report. */
export interface BaselineDiff {
  readonly baseline: string;
  readonly baselineGeneratedAt: string;
  /** Why some changes may come from the inputs rather than the config. */
  readonly notes: readonly string[];
  readonly improved: readonly DiffEntry[];
  readonly regressed: readonly DiffEntry[];
}

/** The whole report (also the JSON output, and a later run's baseline). */
export interface PostureReport {
  readonly tool: 'rampart-report';
  readonly version: string;
  readonly generatedAt: string;
  readonly config: string;
  readonly inputs: {
    readonly audit: readonly string[];
    readonly scan: readonly string[];
    readonly secrets: readonly string[];
    readonly events: { readonly store: 'sqlite' | 'postgres'; readonly days: number } | null;
  };
  readonly summary: {
    readonly routes: number;
    readonly controls: Readonly<Record<ControlId, StateCounts>>;
    readonly findings: Readonly<Record<Severity, number>>;
  };
  readonly routes: readonly RouteReport[];
  readonly findings: readonly ReportFinding[];
  readonly traffic: TrafficSummary | null;
  readonly frameworks: readonly FrameworkResult[];
  readonly warnings: readonly string[];
  readonly diff: BaselineDiff | null;
}
