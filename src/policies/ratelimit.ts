import type {
  ConcurrencyRuleConfig,
  QuotaRuleConfig,
  RateLimitRuleConfig,
  RoutePolicy,
} from '../config/schema.ts';
import { ConfigError, refuse } from '../errors.ts';
import {
  addResponseHook,
  CONTINUE,
  type PhaseEntry,
  type RequestContext,
  type Verdict,
} from '../gateway/pipeline.ts';
import { type BudgetOptions, LocalBudget } from '../state/budget.ts';
import { reportStateFailure } from '../state/diagnostics.ts';
import { stateKey } from '../state/index.ts';
import { MemoryState } from '../state/memory.ts';
import type { QuotaResult, RateResult, SharedState } from '../state/types.ts';
import { getIdentity } from './identity.ts';
import type { PolicyCompileContext, PolicyFactory } from './registry.ts';
import { type PolicyServices, sharedState } from './services.ts';

/** What a limit counts per. */
export type LimitBy = 'consumer' | 'apikey' | 'ip' | 'route' | 'upstream';

interface RateRule {
  readonly name: string;
  readonly limit: number;
  readonly periodMs: number;
  readonly burst: number;
  readonly cost: number;
  readonly windowSeconds: number;
  readonly by: readonly LimitBy[];
  readonly failOpen: boolean;
  readonly keyBase: string;
}

interface QuotaRule {
  readonly name: string;
  readonly limit: number;
  readonly period: 'day' | 'month';
  readonly by: readonly LimitBy[];
  readonly failOpen: boolean;
  readonly keyBase: string;
}

interface ConcurrencyRule {
  readonly limit: number;
  readonly leaseMs: number;
  readonly by: readonly LimitBy[];
  readonly failOpen: boolean;
  readonly keyBase: string;
}

/** Where a limit's subject comes from: the route and upstream are fixed per route. */
export interface SubjectScope {
  readonly route: string;
  readonly upstream: string;
}

/**
 * The subject a limit counts for this request, as key parts. `consumer` and `apikey` fall back to
 * the client IP for anonymous callers, so leaving out credentials never escapes a limit.
 */
export function subjectParts(by: readonly LimitBy[], ctx: RequestContext, scope: SubjectScope): string[] {
  const id = getIdentity(ctx);
  const out: string[] = [];
  for (const b of by) {
    switch (b) {
      case 'consumer':
        out.push(id === undefined ? `ip=${ctx.clientIp}` : `c=${id.consumer}`);
        break;
      case 'apikey':
        out.push(
          id?.keyId !== undefined
            ? `k=${id.keyId}`
            : id === undefined
              ? `ip=${ctx.clientIp}`
              : `c=${id.consumer}`,
        );
        break;
      case 'ip':
        out.push(`ip=${ctx.clientIp}`);
        break;
      case 'route':
        out.push(`r=${scope.route}`);
        break;
      case 'upstream':
        out.push(`u=${scope.upstream}`);
        break;
    }
  }
  return out;
}

const localFallbacks = new WeakMap<PolicyServices, MemoryState>();

/** The process-local state a fail-open limit falls back to while the shared one is unreachable. */
export function localFallback(services: PolicyServices): MemoryState {
  let s = localFallbacks.get(services);
  if (s === undefined) {
    s = new MemoryState();
    localFallbacks.set(services, s);
  }
  return s;
}

const budgets = new WeakMap<PolicyServices, LocalBudget>();

/** The process's local pre-check in front of a Redis state (`state.localBudget`), shared by every route. */
export function localBudget(
  services: PolicyServices,
  state: SharedState,
  options: BudgetOptions | undefined,
): LocalBudget | undefined {
  if (options === undefined || state instanceof MemoryState) return undefined;
  let b = budgets.get(services);
  if (b === undefined) {
    b = new LocalBudget(state, options);
    budgets.set(services, b);
  }
  return b;
}

function list<T>(v: T | readonly T[] | undefined): readonly T[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

function compileRate(r: RateLimitRuleConfig, i: number, defaultFailOpen: boolean): RateRule {
  const name = r.name ?? (i === 0 ? 'default' : `limit${i + 1}`);
  const burst = r.burst ?? r.limit;
  const cost = r.cost ?? 1;
  if (cost > burst)
    throw new ConfigError(`rate limit "${name}": cost ${cost} is larger than its burst ${burst}`);
  const by = (r.by ?? ['consumer']) as readonly LimitBy[];
  return {
    name,
    limit: r.limit,
    periodMs: r.windowSeconds * 1000,
    burst,
    cost,
    windowSeconds: r.windowSeconds,
    by,
    failOpen: r.failureMode === undefined ? defaultFailOpen : r.failureMode === 'fail-open',
    // rules with equal settings share counters across routes; add `route` to `by` to split them
    keyBase: stateKey('rl', name, `${r.limit}-${r.windowSeconds}-${burst}`, by.join('+')),
  };
}

function compileQuota(q: QuotaRuleConfig, i: number, defaultFailOpen: boolean): QuotaRule {
  const name = q.name ?? (i === 0 ? (q.period === 'day' ? 'daily' : 'monthly') : `quota${i + 1}`);
  const by = (q.by ?? ['consumer']) as readonly LimitBy[];
  return {
    name,
    limit: q.limit,
    period: q.period,
    by,
    failOpen: q.failureMode === undefined ? defaultFailOpen : q.failureMode === 'fail-open',
    keyBase: stateKey('q', name, String(q.limit), q.period, by.join('+')),
  };
}

function compileConcurrency(c: ConcurrencyRuleConfig, defaultFailOpen: boolean): ConcurrencyRule {
  const by = (c.by ?? ['consumer']) as readonly LimitBy[];
  return {
    limit: c.limit,
    leaseMs: (c.leaseSeconds ?? 300) * 1000,
    by,
    failOpen: c.failureMode === undefined ? defaultFailOpen : c.failureMode === 'fail-open',
    keyBase: stateKey('cc', String(c.limit), by.join('+')),
  };
}

/** The UTC calendar window a quota counts in: its id and when it ends (epoch ms). */
export function quotaWindow(period: 'day' | 'month', now: number): { id: string; end: number } {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (period === 'month') return { id: `m${y}-${m + 1}`, end: Date.UTC(y, m + 1, 1) };
  const day = d.getUTCDate();
  return { id: `d${y}-${m + 1}-${day}`, end: Date.UTC(y, m, day + 1) };
}

/** The rules of one route: its own, else the config's defaults. */
export interface RouteLimits {
  readonly rate: readonly RateRule[];
  readonly quota: readonly QuotaRule[];
  readonly concurrency: ConcurrencyRule | undefined;
}

/** Compile a route's rate limits, quotas and concurrency limit; throws on an impossible rule. */
export function compileLimits(
  policy: Readonly<RoutePolicy>,
  defaults: readonly RateLimitRuleConfig[],
  failOpen: boolean,
): RouteLimits {
  const rate = (list(policy.rateLimit) ?? defaults).map((r, i) => compileRate(r, i, failOpen));
  const quota = (list(policy.quota) ?? []).map((q, i) => compileQuota(q, i, failOpen));
  const names = new Set<string>();
  for (const n of [...rate.map((r) => r.name), ...quota.map((q) => q.name)]) {
    if (names.has(n)) throw new ConfigError(`two limits of one route are named "${n}"`);
    names.add(n);
  }
  return {
    rate,
    quota,
    concurrency:
      policy.concurrency === undefined ? undefined : compileConcurrency(policy.concurrency, failOpen),
  };
}

/** The RateLimit-Policy value for a route's rules (draft-ietf-httpapi-ratelimit-headers). */
export function policyHeader(limits: RouteLimits): string {
  const items = limits.rate.map((r) => `"${r.name}";q=${r.limit};w=${r.windowSeconds}`);
  for (const q of limits.quota)
    items.push(`"${q.name}";q=${q.limit};w=${q.period === 'day' ? 86_400 : 2_592_000}`);
  return items.join(', ');
}

const seconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000));

/** The refusal of a request over a rate limit, retryable after `retryAfterMs`. */
function exceeded(retryAfterMs: number): Verdict {
  return {
    kind: 'refuse',
    refusal: refuse('ratelimit.exceeded', 'rate limit exceeded; retry later', {
      'retry-after': String(Math.max(1, seconds(retryAfterMs))),
    }),
  };
}

/**
 * Build the per-request limiter of one route. The common case (memory state, rate rules only) runs
 * synchronously; with Redis each rule is one round trip, the rules of a route in parallel. With a
 * `budget` (the local pre-check, see LocalBudget) most rate checks are answered from a slice this
 * process reserved, at the error LocalBudget states.
 */
export function createRateLimiter(
  limits: RouteLimits,
  state: SharedState,
  local: MemoryState,
  scope: SubjectScope,
  budget?: LocalBudget,
): (ctx: RequestContext) => Verdict | Promise<Verdict> {
  const header = policyHeader(limits);
  const { rate, quota, concurrency } = limits;
  const memory = state instanceof MemoryState ? state : undefined;
  const onlyRate = quota.length === 0 && concurrency === undefined;

  // the same keys as stateKey(base, ...parts): a base holds ":" and so always stands as its hash,
  // which stateKey remembers instead of hashing per request
  const keyOf = (base: string, by: readonly LimitBy[], ctx: RequestContext): string => {
    const parts = subjectParts(by, ctx, scope);
    return parts.length === 0 ? stateKey(base) : `${stateKey(base)}:${stateKey(...parts)}`;
  };

  const rateVerdict = (ctx: RequestContext, results: readonly RateResult[]): Verdict => {
    const parts: string[] = [];
    let refused: { rule: RateRule; r: RateResult } | undefined;
    for (let i = 0; i < rate.length; i++) {
      const r = results[i]!;
      const rule = rate[i]!;
      parts.push(`"${rule.name}";r=${r.remaining};t=${seconds(r.resetMs)}`);
      if (!r.allowed && (refused === undefined || r.retryAfterMs > refused.r.retryAfterMs))
        refused = { rule, r };
    }
    ctx.responseHeaders.push(['ratelimit-policy', header], ['ratelimit', parts.join(', ')]);
    if (refused === undefined) return CONTINUE;
    return exceeded(refused.r.retryAfterMs);
  };

  if (memory !== undefined && onlyRate && rate.length === 1) {
    // the most common shape, one rule in memory: no arrays, and the key of the last subject kept
    // when it depends on the client IP alone (the same client sends runs of requests)
    const r = rate[0]!;
    const byIpOnly = r.by.every((b) => b !== 'consumer' && b !== 'apikey');
    let lastIp: string | undefined;
    let lastKey = '';
    const prefix = `"${r.name}";r=`;
    return function rateLimitOneLocal(ctx) {
      let key: string;
      if (byIpOnly && ctx.clientIp === lastIp) key = lastKey;
      else {
        key = keyOf(r.keyBase, r.by, ctx);
        if (byIpOnly) {
          lastIp = ctx.clientIp;
          lastKey = key;
        }
      }
      const result = memory.takeNow(key, r.limit, r.periodMs, r.burst, r.cost);
      ctx.responseHeaders.push(
        ['ratelimit-policy', header],
        ['ratelimit', `${prefix}${result.remaining};t=${seconds(result.resetMs)}`],
      );
      if (result.allowed) return CONTINUE;
      return exceeded(result.retryAfterMs);
    };
  }

  if (memory !== undefined && onlyRate) {
    return function rateLimitLocal(ctx) {
      const results = rate.map((r) =>
        memory.takeNow(keyOf(r.keyBase, r.by, ctx), r.limit, r.periodMs, r.burst, r.cost),
      );
      return rateVerdict(ctx, results);
    };
  }

  const failed = (err: unknown, failOpen: boolean): void => {
    reportStateFailure({
      policy: 'ratelimit',
      route: scope.route,
      failureMode: failOpen ? 'fail-open' : 'fail-closed',
      error: err instanceof Error ? err.message : 'error',
    });
  };
  const unavailable: Verdict = {
    kind: 'refuse',
    refusal: refuse('ratelimit.unavailable', 'rate limiting is unavailable; retry later', {
      'retry-after': '1',
    }),
  };

  if (onlyRate && rate.length === 1) {
    // the common shape, one rate rule: one round trip and one continuation, no Promise.all
    const r = rate[0]!;
    const source = budget ?? state;
    return function rateLimitOne(ctx) {
      const key = keyOf(r.keyBase, r.by, ctx);
      return source.take(key, r.limit, r.periodMs, r.burst, r.cost).then(
        (result) => rateVerdict(ctx, [result]),
        (err: unknown) => {
          failed(err, r.failOpen);
          if (!r.failOpen) return unavailable;
          return rateVerdict(ctx, [local.takeNow(key, r.limit, r.periodMs, r.burst, r.cost)]);
        },
      );
    };
  }

  return async function rateLimit(ctx) {
    let closed = false;
    const results = await Promise.all(
      rate.map(async (r) => {
        const key = keyOf(r.keyBase, r.by, ctx);
        try {
          return await (budget ?? state).take(key, r.limit, r.periodMs, r.burst, r.cost);
        } catch (err) {
          failed(err, r.failOpen);
          if (!r.failOpen) closed = true;
          return local.takeNow(key, r.limit, r.periodMs, r.burst, r.cost);
        }
      }),
    );
    if (closed) return unavailable;
    const verdict = rateVerdict(ctx, results);
    if (verdict.kind !== 'continue') return verdict;

    if (quota.length > 0) {
      const now = Date.now();
      const parts: string[] = [];
      let exhausted: number | undefined;
      for (const q of quota) {
        const w = quotaWindow(q.period, now);
        const key = stateKey(q.keyBase, w.id, ...subjectParts(q.by, ctx, scope));
        let r: QuotaResult;
        try {
          r = await state.quota(key, q.limit, w.end - now + 1_000);
        } catch (err) {
          failed(err, q.failOpen);
          if (!q.failOpen) return unavailable;
          r = await local.quota(key, q.limit, w.end - now + 1_000);
        }
        parts.push(`"${q.name}";r=${r.remaining};t=${seconds(w.end - now)}`);
        if (!r.allowed) exhausted = Math.max(exhausted ?? 0, w.end - now);
      }
      const last = ctx.responseHeaders[ctx.responseHeaders.length - 1]!;
      last[1] = `${last[1]}, ${parts.join(', ')}`;
      if (exhausted !== undefined) {
        return {
          kind: 'refuse',
          refusal: refuse('ratelimit.quota', 'quota exhausted for this period', {
            'retry-after': String(Math.max(1, seconds(exhausted))),
          }),
        };
      }
    }

    if (concurrency !== undefined) {
      const key = keyOf(concurrency.keyBase, concurrency.by, ctx);
      let from: SharedState = state;
      let lease: string | null;
      try {
        lease = await state.acquire(key, concurrency.limit, concurrency.leaseMs);
      } catch (err) {
        failed(err, concurrency.failOpen);
        if (!concurrency.failOpen) return unavailable;
        from = local;
        lease = await local.acquire(key, concurrency.limit, concurrency.leaseMs);
      }
      if (lease === null) {
        return {
          kind: 'refuse',
          refusal: refuse('ratelimit.concurrency', 'too many requests in flight', { 'retry-after': '1' }),
        };
      }
      const held = lease;
      addResponseHook(ctx, () => {
        void from.release(key, held);
      });
    }
    return CONTINUE;
  };
}

/** The `ratelimit` policy: rate limits, quotas and concurrency limits per consumer, key, IP, route or upstream. */
export const rateLimitPolicy: PolicyFactory = {
  name: 'ratelimit',
  phase: 'rateLimit',
  compile(ctx: PolicyCompileContext): PhaseEntry | null {
    const failOpen = ctx.config.state?.failureMode !== 'fail-closed';
    const limits = compileLimits(ctx.policy, ctx.config.rateLimit?.default ?? [], failOpen);
    if (limits.rate.length === 0 && limits.quota.length === 0 && limits.concurrency === undefined)
      return null;
    const state = sharedState(ctx.services);
    const run = createRateLimiter(
      limits,
      state,
      localFallback(ctx.services),
      { route: `${ctx.api.name}:${ctx.method} ${ctx.template}`, upstream: ctx.api.upstream },
      localBudget(ctx.services, state, ctx.config.state?.localBudget),
    );
    return { name: 'ratelimit', mode: ctx.mode, run };
  },
};
