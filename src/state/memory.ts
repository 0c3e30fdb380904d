import { randomUUID } from 'node:crypto';
import { gcra } from './gcra.ts';
import type { QuotaResult, RateResult, SetName, SharedState } from './types.ts';
import { MAX_SET_MEMBERS } from './types.ts';

interface Cell {
  value: number;
  /** Epoch ms. */
  expires: number;
}

/** Options of the in-process state; `now` lets tests move time. */
export interface MemoryStateOptions {
  readonly now?: () => number;
  /** Most counters kept at once; past it, expired ones are swept, then the oldest dropped. */
  readonly maxKeys?: number;
}

/**
 * Shared state held in this process: exact for one gateway process, the embedded default. Expiry is
 * lazy (checked on read, swept when the table is full), so it starts no timer and costs nothing idle.
 */
export class MemoryState implements SharedState {
  readonly kind = 'memory' as const;
  readonly #now: () => number;
  readonly #maxKeys: number;
  readonly #cells = new Map<string, Cell>();
  readonly #leases = new Map<string, Map<string, number>>();
  readonly #sets: Record<SetName, Map<string, number>> = {
    block: new Map(),
    revoked: new Map(),
    issued: new Map(),
  };
  readonly #channels = new Map<string, Set<(message: string) => void>>();

  constructor(options: MemoryStateOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? 1_000_000;
  }

  /** Synchronous rate check, for callers that keep a local fallback limiter. */
  takeNow(key: string, limit: number, periodMs: number, burst: number, cost = 1): RateResult {
    const now = this.#now();
    const cell = this.#live(key, now);
    const step = gcra(cell?.value, now, limit, periodMs, burst, cost);
    if (step.tat !== undefined) {
      // a live cell is updated in place: one lookup per request, not two
      if (cell !== undefined) {
        cell.value = step.tat;
        cell.expires = step.tat;
      } else this.#write(key, step.tat, step.tat, now);
    }
    return step.result;
  }

  async take(key: string, limit: number, periodMs: number, burst: number, cost = 1): Promise<RateResult> {
    return this.takeNow(key, limit, periodMs, burst, cost);
  }

  async quota(key: string, limit: number, ttlMs: number, cost = 1): Promise<QuotaResult> {
    const now = this.#now();
    const cell = this.#live(key, now);
    const used = cell?.value ?? 0;
    if (used + cost > limit) return { allowed: false, used, remaining: Math.max(0, limit - used) };
    if (cell === undefined) this.#write(key, cost, now + ttlMs, now);
    else cell.value = used + cost;
    return { allowed: true, used: used + cost, remaining: limit - used - cost };
  }

  async incr(key: string, ttlMs: number, by = 1): Promise<number> {
    const now = this.#now();
    const value = (this.#live(key, now)?.value ?? 0) + by;
    this.#write(key, value, now + ttlMs, now);
    return value;
  }

  async get(key: string): Promise<number> {
    return this.#live(key, this.#now())?.value ?? 0;
  }

  async del(key: string): Promise<void> {
    this.#cells.delete(key);
  }

  async acquire(key: string, limit: number, ttlMs: number): Promise<string | null> {
    const now = this.#now();
    let leases = this.#leases.get(key);
    if (leases === undefined) {
      if (this.#leases.size >= this.#maxKeys) this.#sweepLeases(now);
      leases = new Map();
      this.#leases.set(key, leases);
    }
    for (const [id, until] of leases) if (until <= now) leases.delete(id);
    if (leases.size >= limit) return null;
    const id = randomUUID();
    leases.set(id, now + ttlMs);
    return id;
  }

  async release(key: string, lease: string): Promise<void> {
    const leases = this.#leases.get(key);
    if (leases === undefined) return;
    leases.delete(lease);
    if (leases.size === 0) this.#leases.delete(key);
  }

  async setMember(set: SetName, member: string, ttlMs: number): Promise<void> {
    this.applySet(set, member, ttlMs <= 0 ? 0 : this.#now() + ttlMs);
  }

  /** Apply a set change (also how the Redis state updates its local mirror). */
  applySet(set: SetName, member: string, until: number): void {
    const members = this.#sets[set];
    if (until === 0) {
      members.delete(member);
      return;
    }
    if (!members.has(member) && members.size >= MAX_SET_MEMBERS) {
      const now = this.#now();
      for (const [m, u] of members) if (u <= now) members.delete(m);
      // still full: the entry closest to expiry makes room
      if (members.size >= MAX_SET_MEMBERS) {
        let oldest: string | undefined;
        let soonest = Number.POSITIVE_INFINITY;
        for (const [m, u] of members) {
          if (u < soonest) {
            soonest = u;
            oldest = m;
          }
        }
        if (oldest !== undefined) members.delete(oldest);
      }
    }
    members.set(member, until);
  }

  /** Drop every member of a set (the Redis mirror reloads from the server). */
  clearSet(set: SetName): void {
    this.#sets[set].clear();
  }

  members(set: SetName): [member: string, until: number][] {
    const now = this.#now();
    const out: [string, number][] = [];
    for (const [m, u] of this.#sets[set]) if (u > now) out.push([m, u]);
    return out.sort((a, b) => a[1] - b[1]);
  }

  memberUntil(set: SetName, member: string): number {
    const members = this.#sets[set];
    if (members.size === 0) return 0;
    const until = members.get(member);
    if (until === undefined) return 0;
    if (until <= this.#now()) {
      members.delete(member);
      return 0;
    }
    return until;
  }

  async publish(channel: string, message: string): Promise<void> {
    this.deliver(channel, message);
  }

  /** Hand a message to this process's subscribers; a throwing handler never stops the others. */
  deliver(channel: string, message: string): void {
    const handlers = this.#channels.get(channel);
    if (handlers === undefined) return;
    for (const h of handlers) {
      queueMicrotask(() => {
        try {
          h(message);
        } catch {
          // a subscriber's bug must not break the broadcast
        }
      });
    }
  }

  subscribe(channel: string, handler: (message: string) => void): () => void {
    let handlers = this.#channels.get(channel);
    if (handlers === undefined) {
      handlers = new Set();
      this.#channels.set(channel, handlers);
    }
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
    };
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.#cells.clear();
    this.#leases.clear();
    this.#channels.clear();
  }

  #live(key: string, now: number): Cell | undefined {
    const cell = this.#cells.get(key);
    if (cell === undefined) return undefined;
    if (cell.expires <= now) {
      this.#cells.delete(key);
      return undefined;
    }
    return cell;
  }

  #write(key: string, value: number, expires: number, now: number): void {
    const cell = this.#cells.get(key);
    if (cell !== undefined) {
      cell.value = value;
      cell.expires = expires;
      return;
    }
    if (this.#cells.size >= this.#maxKeys) this.#sweep(now);
    this.#cells.set(key, { value, expires });
  }

  #sweep(now: number): void {
    for (const [k, c] of this.#cells) if (c.expires <= now) this.#cells.delete(k);
    if (this.#cells.size < this.#maxKeys) return;
    // still full of live keys: drop the oldest tenth (insertion order), a bounded-memory trade-off
    let drop = Math.max(1, Math.floor(this.#maxKeys / 10));
    for (const k of this.#cells.keys()) {
      if (drop-- <= 0) break;
      this.#cells.delete(k);
    }
  }

  #sweepLeases(now: number): void {
    for (const [k, leases] of this.#leases) {
      for (const [id, until] of leases) if (until <= now) leases.delete(id);
      if (leases.size === 0) this.#leases.delete(k);
    }
  }
}
