import type { RateResult } from './types.ts';

// Float slack: T = period/limit is rarely a whole number of milliseconds.
const EPS = 1e-6;

/** One GCRA step: the result and the theoretical arrival time to store (undefined when refused). */
export interface GcraStep {
  readonly result: RateResult;
  readonly tat: number | undefined;
}

/**
 * The generic cell rate algorithm on a stored theoretical arrival time (TAT). Emission interval
 * T = period/limit, tolerance τ = T·burst. A request of cost c is allowed when TAT' = max(TAT, now)
 * + c·T is at most now + τ. The Redis Lua script (redis.ts) is this same function, line for line.
 */
export function gcra(
  stored: number | undefined,
  now: number,
  limit: number,
  periodMs: number,
  burst: number,
  cost: number,
): GcraStep {
  const t = periodMs / limit;
  const tau = t * burst;
  const tat = stored === undefined || stored < now ? now : stored;
  const next = tat + t * cost;
  const allowAt = next - tau;
  if (allowAt - now > EPS) {
    return {
      result: {
        allowed: false,
        remaining: Math.max(0, Math.floor((now + tau - tat) / t + EPS)),
        resetMs: Math.ceil(tat - now - EPS),
        retryAfterMs: Math.ceil(allowAt - now - EPS),
      },
      tat: undefined,
    };
  }
  return {
    result: {
      allowed: true,
      remaining: Math.max(0, Math.floor((now + tau - next) / t + EPS)),
      resetMs: Math.ceil(next - now - EPS),
      retryAfterMs: 0,
    },
    tat: next,
  };
}
