import type { SharedState } from '../state/types.ts';

/** What a revocation names: an API key (by id) or a JWT (by `jti`). */
export type RevocationKind = 'key' | 'jti';

/**
 * The revocations a gateway process honours. The check is synchronous (a local set) so the hot path
 * never waits; a cluster implementation mirrors a shared set into it and broadcasts `revoke`.
 */
export interface RevocationSet {
  /** True when `id` was revoked and the revocation has not lapsed. */
  has(kind: RevocationKind, id: string): boolean;
  /** Revoke `id` until `untilMs` (a JWT's expiry; keys stay revoked in the store, this is the fast path). */
  revoke(kind: RevocationKind, id: string, untilMs: number): Promise<void>;
  /** Called for every revocation this process learns of, its own or another's. */
  subscribe(listener: (kind: RevocationKind, id: string) => void): () => void;
  close(): Promise<void>;
}

/** The most revocations kept in memory; the oldest lapse first when it is reached. */
export const MAX_LOCAL_REVOCATIONS = 100_000;

/**
 * An in-process revocation set: takes effect at once in this process only. Other processes see a key
 * revocation through the store once their key cache entry expires (a short TTL).
 */
export function createLocalRevocations(now: () => number = Date.now): RevocationSet {
  const entries = new Map<string, number>();
  const listeners = new Set<(kind: RevocationKind, id: string) => void>();
  return {
    has(kind, id) {
      const until = entries.get(`${kind}:${id}`);
      if (until === undefined) return false;
      if (until > now()) return true;
      entries.delete(`${kind}:${id}`);
      return false;
    },
    async revoke(kind, id, untilMs) {
      const k = `${kind}:${id}`;
      entries.delete(k);
      if (entries.size >= MAX_LOCAL_REVOCATIONS) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      entries.set(k, untilMs);
      for (const l of listeners) l(kind, id);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      entries.clear();
    },
  };
}

const REVOCATION_CHANNEL = 'auth:revoked';

// The member name of a revocation, the same string object each time for an id seen lately: the set's
// lookup then reuses the string's cached hash, where a fresh `${kind}:${id}` is hashed per request.
const names = { key: new Map<string, string>(), jti: new Map<string, string>() };
const MAX_NAMES = 4_096;

function memberName(kind: RevocationKind, id: string): string {
  const seen = names[kind];
  let name = seen.get(id);
  if (name === undefined) {
    name = `${kind}:${id}`;
    // a bounded memo: a stream of distinct ids is named, not kept
    if (seen.size >= MAX_NAMES) seen.clear();
    seen.set(id, name);
  }
  return name;
}

/**
 * Revocations on the shared state: checked synchronously against its local mirror of the `revoked`
 * set, and broadcast to every process (every instance, with Redis) the moment they are made.
 */
export function stateRevocations(state: SharedState, now: () => number = Date.now): RevocationSet {
  const listeners = new Set<(kind: RevocationKind, id: string) => void>();
  const unsubscribe = state.subscribe(REVOCATION_CHANNEL, (message) => {
    const colon = message.indexOf(':');
    const kind = message.slice(0, colon);
    if (kind !== 'key' && kind !== 'jti') return;
    for (const l of listeners) l(kind, message.slice(colon + 1));
  });
  return {
    has(kind, id) {
      return state.memberUntil('revoked', memberName(kind, id)) > now();
    },
    async revoke(kind, id, untilMs) {
      await state.setMember('revoked', `${kind}:${id}`, Math.max(1, untilMs - now()));
      await state.publish(REVOCATION_CHANNEL, `${kind}:${id}`);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      unsubscribe();
      listeners.clear();
    },
  };
}
