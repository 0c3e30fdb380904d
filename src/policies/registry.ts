import type { ApiConfig, RampartConfig, RoutePolicy } from '../config/schema.ts';
import type { PhaseEntry, PhaseName, Phases } from '../gateway/pipeline.ts';
import { PHASES } from '../gateway/pipeline.ts';
import type { LoadedDocument } from '../openapi/load.ts';
import type { Operation } from '../openapi/operations.ts';
import { loginCapturePolicy } from '../platform/anomaly/login-capture.ts';
import { authnPolicy } from './authn.ts';
import { authzPolicy } from './authz.ts';
import { bruteForceGatePolicy, loginPolicy } from './bruteforce.ts';
import { clientGatePolicy, consumerGatePolicy } from './client-gate.ts';
import { graphqlPolicy } from './graphql.ts';
import { inspectPolicy } from './inspect.ts';
import { rateLimitPolicy } from './ratelimit.ts';
import { resourceLimitsPolicy } from './resource-limits.ts';
import { responsePolicy } from './response.ts';
import type { PolicyServices } from './services.ts';
import { tokenCapturePolicy } from './token-capture.ts';
import { validatePolicy } from './validate.ts';

/** What a policy factory sees when it compiles its slice of config for one route, once, at load. */
export interface PolicyCompileContext {
  readonly config: Readonly<RampartConfig>;
  readonly api: Readonly<ApiConfig>;
  readonly document: LoadedDocument;
  /** Undefined for passthrough routes (no operation is declared for them). */
  readonly operation: Operation | undefined;
  readonly method: string;
  readonly template: string;
  /** The operation's effective security requirement is not empty. */
  readonly authenticated: boolean;
  /** The route's merged settings: `x-rampart` of the document, then `apis[].routes` of the config. */
  readonly policy: Readonly<RoutePolicy>;
  /** The route's mode (its own, else the config's). A factory may override it per entry. */
  readonly mode: 'enforce' | 'monitor';
  /** Process-wide services (shared state, store); see services.ts. */
  readonly services: PolicyServices;
}

/** A policy module: a named factory that returns the route's per-request function, or null when it does not apply. */
export interface PolicyFactory {
  readonly name: string;
  readonly phase: PhaseName;
  compile(ctx: PolicyCompileContext): PhaseEntry | null;
}

/**
 * Every request policy, in no particular order: the phase decides when each runs. Policies land
 * here as their issues do (authentication, rate limiting, validation, inspection, …).
 */
export const POLICY_FACTORIES: readonly PolicyFactory[] = [
  authnPolicy,
  // on login operations: records the tokens they issue, before any response filter can mask them
  tokenCapturePolicy,
  authzPolicy,
  clientGatePolicy,
  bruteForceGatePolicy,
  // before ratelimit in its phase: a blocked consumer spends no counter
  consumerGatePolicy,
  rateLimitPolicy,
  // before the brute-force login: an attempt it locks out still carries its username to anomaly detection
  loginCapturePolicy,
  loginPolicy,
  // cheapest first in the validate phase: counts and caps before any schema work
  resourceLimitsPolicy,
  validatePolicy,
  // before the detectors in the inspect phase: GraphQL limits are cheaper than inspecting the body
  graphqlPolicy,
  inspectPolicy,
  // last: it filters the response, after every request check has passed
  responsePolicy,
];

/** Compile every factory for one route into frozen phases, or null when no policy applies. */
export function compilePhases(
  ctx: PolicyCompileContext,
  factories: readonly PolicyFactory[] = POLICY_FACTORIES,
): Phases | null {
  const byPhase = new Map<PhaseName, PhaseEntry[]>();
  for (const f of factories) {
    const entry = f.compile(ctx);
    if (entry === null) continue;
    const list = byPhase.get(f.phase) ?? [];
    list.push(entry);
    byPhase.set(f.phase, list);
  }
  if (byPhase.size === 0) return null;
  const phases = Object.create(null) as Record<PhaseName, readonly PhaseEntry[] | null>;
  for (const p of PHASES) {
    const list = byPhase.get(p);
    phases[p] = list === undefined ? null : Object.freeze(list);
  }
  return Object.freeze(phases);
}
