/**
 * Shared state (DESIGN.md, "Shared state"): memory by default, Redis in cluster mode.
 *
 * - `state.url`: `memory`; `redis://[user:pass@]host:port[/db]` (`rediss://` for TLS); Redis Cluster
 *   `redis+cluster://[user:pass@]h1:p1,h2:p2`; Sentinel `redis+sentinel://[user:pass@]h1:p1,h2:p2/mymaster[/db]`
 *   (redis-url.ts). A malformed URL is a start-up ConfigError.
 * - `state.localBudget: { slice, leaseMs }` (budget.ts): each process reserves `slice` tokens of a
 *   Redis rate limit per round trip and spends them locally. The error it allows: reserved tokens
 *   are counted in Redis up front, so with N processes at most `limit` requests pass a burst (inside
 *   the stated bound limit + N×slice); a request may be refused while up to N×(slice−1) tokens sit
 *   unspent in other processes; over d ms at most burst + (d + leaseMs)·rate pass.
 * - Failures: policies publish `rampart:state:failure` (diagnostics.ts); the gateway counts them in
 *   `rampart_state_failures_total{mode}` and warns at most once per 10 s (failure-watch.ts).
 */
import { createHash } from 'node:crypto';
import { MemoryState } from './memory.ts';
import { RedisState } from './redis.ts';
import type { SharedState, StateOptions } from './types.ts';

export { type BudgetOptions, LocalBudget } from './budget.ts';
export { MemoryState } from './memory.ts';
export { RedisState } from './redis.ts';
export { parseRedisUrl, type RedisTarget } from './redis-url.ts';
export type { QuotaResult, RateResult, SetName, SharedState, StateOptions } from './types.ts';
export { StateUnavailableError } from './types.ts';

/** Default `state:` settings: in-process memory. */
export const DEFAULT_STATE: StateOptions = Object.freeze({
  url: 'memory',
  prefix: 'rampart:',
  failureMode: 'fail-open',
  timeoutMs: 200,
});

/**
 * Create the shared state a config names: memory, or Redis for `redis://` / `rediss://` URLs. A
 * Redis that does not answer within `waitMs` does not stop the start: the state reconnects by itself
 * and policies apply their failure mode meanwhile.
 */
export async function createState(options: StateOptions, waitMs = 2_000): Promise<SharedState> {
  if (options.url === 'memory') return new MemoryState();
  const state = new RedisState(options);
  await state.connect(waitMs);
  return state;
}

const MAX_PART = 128;

/** A state key from parts; a long or odd part is replaced by its hash so keys stay bounded. */
export function stateKey(...parts: string[]): string {
  let out = '';
  for (const p of parts) {
    const safe = p.length <= MAX_PART && !p.includes(':') ? p : `#${hash(p)}`;
    out = out === '' ? safe : `${out}:${safe}`;
  }
  return out;
}

// Hashed parts seen lately (IPv6 addresses, long consumer ids): a limit checks the same few subjects
// over and over, and a SHA-256 per request is a measurable share of a memory limiter's cost.
const hashed = new Map<string, string>();
const MAX_HASHED = 4_096;

function hash(s: string): string {
  let h = hashed.get(s);
  if (h === undefined) {
    h = createHash('sha256').update(s).digest('base64url').slice(0, 22);
    if (hashed.size >= MAX_HASHED) hashed.clear();
    hashed.set(s, h);
  }
  return h;
}
