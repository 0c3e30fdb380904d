import { createHash } from 'node:crypto';
import { MemoryState } from './memory.ts';
import { RedisState } from './redis.ts';
import type { SharedState, StateOptions } from './types.ts';

export { MemoryState } from './memory.ts';
export { RedisState } from './redis.ts';
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

function hash(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, 22);
}
