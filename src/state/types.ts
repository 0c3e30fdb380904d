/**
 * The shared-state interface (DESIGN.md, "Shared state"): rate-limit counters, quotas, concurrency
 * leases, the blocklist, token revocations and a broadcast channel. Two implementations: memory
 * (one process, the default) and Redis (many processes and machines).
 */

/** The outcome of one rate check. Times are in milliseconds. */
export interface RateResult {
  readonly allowed: boolean;
  /** Requests that could still be made at once after this one. */
  readonly remaining: number;
  /** Time until the bucket is full again (the RateLimit header's `t`). */
  readonly resetMs: number;
  /** When refused, time until a request of the same cost would be allowed; 0 when allowed. */
  readonly retryAfterMs: number;
}

/** The outcome of one quota consumption. */
export interface QuotaResult {
  readonly allowed: boolean;
  /** Units used in the window, including this request when allowed. */
  readonly used: number;
  readonly remaining: number;
}

/** The named expiring sets every process mirrors locally: blocked subjects, revoked tokens and tokens seen issued. */
export type SetName = 'block' | 'revoked' | 'issued';

/** A change to an expiring set, as broadcast to every process. */
export interface SetChange {
  readonly set: SetName;
  readonly member: string;
  /** Epoch milliseconds the entry expires at; 0 removes it. */
  readonly until: number;
}

/** Raised when the shared engine cannot answer (unreachable, timed out); policies apply their failure mode. */
export class StateUnavailableError extends Error {
  readonly code = 'RAMPART_STATE_UNAVAILABLE';
}

/** Process-shared (memory) or cluster-shared (Redis) state. Every method is bounded in time. */
export interface SharedState {
  readonly kind: 'memory' | 'redis';
  /**
   * GCRA rate check: `limit` per `periodMs` at a steady rate, up to `burst` at once; consumes `cost`
   * only when allowed. In any interval of d ms at most `burst + d·limit/periodMs` units pass, so
   * there is no double burst at window edges.
   */
  take(key: string, limit: number, periodMs: number, burst: number, cost?: number): Promise<RateResult>;
  /** Long-period quota: add `cost` to the counter unless that passes `limit`; the counter lives `ttlMs` from creation. */
  quota(key: string, limit: number, ttlMs: number, cost?: number): Promise<QuotaResult>;
  /** Add to a counter that expires `ttlMs` after its last increment; returns the new value. */
  incr(key: string, ttlMs: number, by?: number): Promise<number>;
  /** Read a counter (0 when absent or expired). */
  get(key: string): Promise<number>;
  /** Delete a counter. */
  del(key: string): Promise<void>;
  /** Take one of `limit` concurrency slots for at most `ttlMs`; returns a lease id, or null when all are taken. */
  acquire(key: string, limit: number, ttlMs: number): Promise<string | null>;
  /** Give a slot back. Never throws. */
  release(key: string, lease: string): Promise<void>;
  /** Add `member` to an expiring set for `ttlMs` and tell every process; `ttlMs` 0 removes it. */
  setMember(set: SetName, member: string, ttlMs: number): Promise<void>;
  /** Epoch ms until which `member` is in the set, or 0. Synchronous: answered from the local mirror. */
  memberUntil(set: SetName, member: string): number;
  /** The live members of a set with the epoch ms each expires at, soonest first (from the local mirror). */
  members(set: SetName): [member: string, until: number][];
  /** Broadcast a message to every process (this one included). */
  publish(channel: string, message: string): Promise<void>;
  /** Receive the messages of a channel; returns the unsubscribe function. */
  subscribe(channel: string, handler: (message: string) => void): () => void;
  /** Whether the engine answers now (memory: always). */
  healthy(): boolean;
  close(): Promise<void>;
}

/** Configuration of the shared state (`state:` in rampart.yaml). */
export interface StateOptions {
  /** `memory`, `redis://…` / `rediss://…`, `redis+cluster://h1:p1,h2:p2` or `redis+sentinel://h1:p1,h2:p2/mymaster`. */
  readonly url: string;
  readonly prefix: string;
  readonly failureMode: 'fail-open' | 'fail-closed';
  readonly timeoutMs: number;
}

/** Bounds shared by both implementations: keys and set members are never unbounded. */
export const MAX_KEY_LENGTH = 512;
export const MAX_SET_MEMBERS = 100_000;
