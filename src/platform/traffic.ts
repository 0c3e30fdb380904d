import type { AccessRecord } from '../gateway/handler.ts';

const MINUTE = 60_000;
/** Minutes of traffic kept: 31 days. */
const KEEP_MINUTES = 31 * 24 * 60;

/**
 * Requests per minute served by this process, for the dashboard's overview. O(1) per request and
 * bounded: one counter per minute for the last 31 days.
 */
export class TrafficCounter {
  readonly #minutes = new Map<number, number>();
  #current = -1;
  #count = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Count one request (the gateway's onRecord). */
  readonly onRecord = (_record: AccessRecord): void => {
    this.add(1);
  };

  /** Count `n` requests now. */
  add(n: number): void {
    const minute = Math.floor(this.#now() / MINUTE);
    if (minute !== this.#current) this.#roll(minute);
    this.#count += n;
  }

  /** [bucket start (ms), requests] for each `bucketMs` bucket from `since` to now (empty buckets too). */
  series(since: number, bucketMs: number): [number, number][] {
    this.#roll(Math.floor(this.#now() / MINUTE));
    const bucket = Math.max(MINUTE, bucketMs);
    const start = Math.floor(since / bucket) * bucket;
    const end = this.#now();
    const out: [number, number][] = [];
    for (let t = start; t <= end && out.length < 10_000; t += bucket) out.push([t, 0]);
    for (const [minute, n] of this.#minutes) {
      const t = minute * MINUTE;
      if (t < start) continue;
      const i = Math.floor((t - start) / bucket);
      const cell = out[i];
      if (cell !== undefined) cell[1] += n;
    }
    return out;
  }

  #roll(minute: number): void {
    if (this.#current >= 0 && this.#count > 0) this.#minutes.set(this.#current, this.#count);
    if (minute !== this.#current) {
      this.#current = minute;
      this.#count = this.#minutes.get(minute) ?? 0;
      this.#minutes.delete(minute);
      const oldest = minute - KEEP_MINUTES;
      if (this.#minutes.size > KEEP_MINUTES)
        for (const m of this.#minutes.keys()) if (m < oldest) this.#minutes.delete(m);
    }
  }
}
