/** A fixed-window counter's verdict for one hit. */
export interface LimitState {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the window resets. */
  readonly resetSeconds: number;
}

/** Fixed-window counters keyed by a string, with a bounded number of keys. */
export interface FixedWindow {
  /** Count one hit for key and say whether it is within the limit. */
  hit(key: string, now?: number): LimitState;
  /** Read a key's state without counting. */
  peek(key: string, now?: number): LimitState;
  /** Forget a key (e.g. after a successful login). */
  reset(key: string): void;
}

interface Entry {
  count: number;
  start: number;
}

/** Create a fixed-window limiter: `limit` hits per `windowMs` per key, at most `maxKeys` keys tracked. */
export function createFixedWindow(limit: number, windowMs: number, maxKeys = 10_000): FixedWindow {
  const entries = new Map<string, Entry>();

  function sweep(now: number): void {
    for (const [key, entry] of entries) {
      if (now - entry.start >= windowMs) entries.delete(key);
    }
  }

  function state(entry: Entry | undefined, now: number, allowed: boolean): LimitState {
    const count = entry?.count ?? 0;
    const start = entry?.start ?? now;
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - count),
      resetSeconds: Math.max(0, Math.ceil((start + windowMs - now) / 1000)),
    };
  }

  function current(key: string, now: number): Entry | undefined {
    const entry = entries.get(key);
    if (entry !== undefined && now - entry.start >= windowMs) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  return {
    hit(key: string, now = Date.now()): LimitState {
      let entry = current(key, now);
      if (entry === undefined) {
        if (entries.size >= maxKeys) sweep(now);
        // Still full after the sweep: refuse rather than grow without bound (fail closed).
        if (entries.size >= maxKeys) return state(undefined, now, false);
        entry = { count: 0, start: now };
        entries.set(key, entry);
      }
      if (entry.count >= limit) return state(entry, now, false);
      entry.count++;
      return state(entry, now, true);
    },
    peek(key: string, now = Date.now()): LimitState {
      const entry = current(key, now);
      return state(entry, now, (entry?.count ?? 0) < limit);
    },
    reset(key: string): void {
      entries.delete(key);
    },
  };
}
