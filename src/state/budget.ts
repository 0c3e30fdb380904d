import type { RateResult, SharedState } from './types.ts';

/** Settings of the local pre-check (`state.localBudget`). */
export interface BudgetOptions {
  /** Tokens one process reserves from the shared limit in one round trip. */
  readonly slice: number;
  /** How long a reserved slice may be spent locally before it is dropped. */
  readonly leaseMs: number;
}

interface Entry {
  tokens: number;
  expires: number;
  remaining: number;
  resetMs: number;
  pending: Promise<void> | undefined;
}

// one entry per limited subject; beyond this the budget is bypassed rather than grown
const MAX_ENTRIES = 10_000;

/**
 * The local pre-check: a per-process token budget in front of a shared (Redis) GCRA limit. A
 * process reserves `slice` tokens in one round trip (a GCRA take of cost `slice`) and spends them
 * locally until they run out or the lease ends; when the limit has less than a slice left, each
 * request asks the shared limit for itself (exact). Reserved tokens are counted in the shared limit
 * when reserved, so within any burst the limit is never exceeded: at most `limit` (burst) requests
 * pass, not `limit + N·slice`. The errors it allows, with N processes: a request may be refused
 * while up to N·(slice−1) tokens sit unspent in other processes' budgets (they return to the limit
 * at the rate, or are dropped when the lease ends), and tokens are spent up to `leaseMs` after they
 * were reserved, so over an interval of d ms at most `burst + (d + leaseMs)·limit/period` pass.
 */
export class LocalBudget {
  readonly #state: SharedState;
  readonly #slice: number;
  readonly #leaseMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(state: SharedState, options: BudgetOptions) {
    this.#state = state;
    this.#slice = Math.max(1, Math.floor(options.slice));
    this.#leaseMs = Math.max(1, options.leaseMs);
  }

  /** Same contract as SharedState.take; answers from the local slice when it can. */
  async take(key: string, limit: number, periodMs: number, burst: number, cost = 1): Promise<RateResult> {
    const slice = Math.min(this.#slice, burst);
    if (cost >= slice) return this.#state.take(key, limit, periodMs, burst, cost);
    for (let attempt = 0; attempt < 2; attempt++) {
      const now = Date.now();
      let e = this.#entries.get(key);
      if (e !== undefined && e.tokens >= cost && e.expires > now) {
        e.tokens -= cost;
        return { allowed: true, remaining: e.remaining + e.tokens, resetMs: e.resetMs, retryAfterMs: 0 };
      }
      if (e?.pending !== undefined) {
        // concurrent requests of one subject share one reservation round trip
        await e.pending;
        continue;
      }
      if (e === undefined) {
        if (this.#entries.size >= MAX_ENTRIES) this.#sweep(now);
        if (this.#entries.size >= MAX_ENTRIES) return this.#state.take(key, limit, periodMs, burst, cost);
        e = { tokens: 0, expires: 0, remaining: 0, resetMs: 0, pending: undefined };
        this.#entries.set(key, e);
      }
      const entry = e;
      let reserved: RateResult | undefined;
      let failure: unknown;
      entry.pending = this.#state.take(key, limit, periodMs, burst, slice).then(
        (r) => {
          reserved = r;
        },
        (err: unknown) => {
          failure = err;
        },
      );
      try {
        await entry.pending;
      } finally {
        entry.pending = undefined;
      }
      // an unreachable state is reported at once: a second round trip would only double the wait
      if (failure !== undefined) throw failure;
      if (reserved?.allowed === true) {
        entry.tokens = slice - cost;
        entry.expires = Date.now() + this.#leaseMs;
        entry.remaining = reserved.remaining;
        entry.resetMs = reserved.resetMs;
        return { ...reserved, remaining: reserved.remaining + entry.tokens };
      }
      // less than a slice left (or the reservation failed): this request asks for itself, exactly
      entry.tokens = 0;
      return this.#state.take(key, limit, periodMs, burst, cost);
    }
    return this.#state.take(key, limit, periodMs, burst, cost);
  }

  /** Subjects with a live entry (for tests and bounds). */
  get size(): number {
    return this.#entries.size;
  }

  #sweep(now: number): void {
    for (const [k, e] of this.#entries) {
      if (e.pending === undefined && (e.expires <= now || e.tokens === 0)) this.#entries.delete(k);
    }
  }
}
