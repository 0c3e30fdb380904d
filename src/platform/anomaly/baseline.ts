/**
 * Per-subject baselines (a subject is an IP or a consumer): requests, errors and authentication
 * failures counted per bucket of `bucketMs`, each folded into an exponentially weighted moving
 * average (EWMA) when its bucket closes, and per route template the distinct object ids asked for
 * per window (a fixed-size sketch), folded the same way. Everything is O(1) per request and bounded:
 * subjects by an LRU of `maxSubjects`, routes per subject by an LRU of MAX_ROUTES, each route's
 * window to a few hundred bytes whatever the ids.
 */
import { LruMap } from './lru.ts';
import { IdSketch } from './sketch.ts';

/** Route templates with object ids tracked per subject; the least recently used are forgotten. */
export const MAX_ROUTES = 16;
/** Empty buckets folded one by one at most; past this the averages are simply decayed. */
const MAX_FOLD = 1_000;

/** Counts of the open bucket and the averages of the closed ones. */
export interface BucketStats {
  /** Start of the open bucket (ms, aligned to the bucket size). */
  start: number;
  requests: number;
  errors: number;
  authFailures: number;
  /** EWMA of requests per bucket. */
  requestAvg: number;
  /** EWMA of 5xx answers per bucket. */
  errorAvg: number;
  /** EWMA of 401/403 answers per bucket. */
  authFailureAvg: number;
  /** Buckets folded into the averages so far (the baseline's age). */
  buckets: number;
}

/** What one subject did on one route with object ids in its path, in the open window. */
export interface RouteStats {
  start: number;
  requests: number;
  /** 404 and 403 answers: ids that do not exist or are not the caller's. */
  misses: number;
  /** Distinct ids of the window (estimated; see sketch.ts). */
  readonly distinct: IdSketch;
  /** The last numeric id asked for, or NaN. */
  lastNumeric: number;
  /** Length of the current run of new numeric ids one or two apart, all one way. */
  sequentialRun: number;
  /** The way the run goes: 1 up, -1 down, 0 not yet known. */
  direction: number;
  /** EWMA of distinct ids per window. */
  distinctAvg: number;
  windows: number;
}

/** One IP or consumer. */
export interface SubjectBaseline {
  readonly key: string;
  readonly bucket: BucketStats;
  /** Created on the first object route. */
  routes: LruMap<string, RouteStats> | undefined;
  /** Requests seen since the subject was first tracked. */
  total: number;
}

/**
 * Whether an answer counts as an authentication or authorization failure: 401 or 403, except the
 * client gate's own refusals (a blocked client knocking again is not a new failure).
 */
export function isAuthFailure(status: number, code?: string): boolean {
  return (status === 401 || status === 403) && code !== 'client.blocked';
}

function ewma(avg: number, x: number, alpha: number, first: boolean): number {
  return first ? x : alpha * x + (1 - alpha) * avg;
}

/** Move `b` to the bucket holding `now`, folding the closed bucket (and any empty ones) into the averages. */
export function rollBucket(b: BucketStats, now: number, bucketMs: number, alpha: number): void {
  const start = now - (now % bucketMs);
  if (start <= b.start) return;
  const first = b.buckets === 0;
  b.requestAvg = ewma(b.requestAvg, b.requests, alpha, first);
  b.errorAvg = ewma(b.errorAvg, b.errors, alpha, first);
  b.authFailureAvg = ewma(b.authFailureAvg, b.authFailures, alpha, first);
  const empty = Math.min(MAX_FOLD, Math.floor((start - b.start) / bucketMs) - 1);
  if (empty > 0) {
    // folding k empty buckets into an EWMA multiplies it by (1 - alpha)^k
    const decay = (1 - alpha) ** empty;
    b.requestAvg *= decay;
    b.errorAvg *= decay;
    b.authFailureAvg *= decay;
  }
  b.buckets += 1 + Math.max(0, empty);
  b.start = start;
  b.requests = 0;
  b.errors = 0;
  b.authFailures = 0;
}

/** Move `r` to the window holding `now`, folding the closed window's distinct count into its average. */
export function rollWindow(r: RouteStats, now: number, windowMs: number, alpha: number): void {
  if (now - r.start < windowMs) return;
  r.distinctAvg = ewma(r.distinctAvg, r.distinct.estimate(), alpha, r.windows === 0);
  r.windows++;
  r.start = now;
  r.requests = 0;
  r.misses = 0;
  r.distinct.clear();
  r.lastNumeric = Number.NaN;
  r.sequentialRun = 0;
  r.direction = 0;
}

function newBucket(now: number, bucketMs: number): BucketStats {
  return {
    start: now - (now % bucketMs),
    requests: 0,
    errors: 0,
    authFailures: 0,
    requestAvg: 0,
    errorAvg: 0,
    authFailureAvg: 0,
    buckets: 0,
  };
}

/** Settings of the baselines. */
export interface BaselineOptions {
  readonly maxSubjects: number;
  readonly bucketMs: number;
  readonly alpha: number;
  /** The enumeration window (distinct ids per route). */
  readonly windowMs: number;
}

// Object ids are hashed up to this length: enough to tell ids apart, bounded work per request.
const MAX_ID_LENGTH = 128;
const NUMERIC_ID = /^\d{1,15}$/;

/** The baselines of every tracked subject. */
export class Baselines {
  // IPs and consumers apart, keyed by the raw value: no string is built per request
  readonly #ips: LruMap<string, SubjectBaseline>;
  readonly #consumers: LruMap<string, SubjectBaseline>;
  readonly #o: BaselineOptions;

  /** `maxSubjects` IPs and as many consumers are tracked. */
  constructor(options: BaselineOptions) {
    this.#o = options;
    this.#ips = new LruMap(options.maxSubjects);
    this.#consumers = new LruMap(options.maxSubjects);
  }

  /** Subjects tracked now. */
  get size(): number {
    return this.#ips.size + this.#consumers.size;
  }

  /** Count one request of an IP or consumer answered with `status`; returns the subject, its bucket rolled to now. */
  observe(
    kind: 'ip' | 'consumer',
    value: string,
    status: number,
    now: number,
    code?: string,
  ): SubjectBaseline {
    const { bucketMs, alpha } = this.#o;
    const map = kind === 'ip' ? this.#ips : this.#consumers;
    const s = map.getOrCreate(value, () => ({
      key: `${kind}:${value}`,
      bucket: newBucket(now, bucketMs),
      routes: undefined,
      total: 0,
    }));
    rollBucket(s.bucket, now, bucketMs, alpha);
    s.total++;
    s.bucket.requests++;
    if (status >= 500) s.bucket.errors++;
    if (isAuthFailure(status, code)) s.bucket.authFailures++;
    return s;
  }

  /** Count one request of subject `s` for object `id` on `route`; returns the route's window. */
  observeObject(s: SubjectBaseline, route: string, id: string, status: number, now: number): RouteStats {
    const { windowMs, alpha } = this.#o;
    if (s.routes === undefined) s.routes = new LruMap(MAX_ROUTES);
    const r = s.routes.getOrCreate(route, () => ({
      start: now,
      requests: 0,
      misses: 0,
      distinct: new IdSketch(),
      lastNumeric: Number.NaN,
      sequentialRun: 0,
      direction: 0,
      distinctAvg: 0,
      windows: 0,
    }));
    rollWindow(r, now, windowMs, alpha);
    r.requests++;
    if (status === 404 || status === 403) r.misses++;
    // an id asked for again (a client re-reading its own objects) neither extends nor breaks a run
    if (!r.distinct.add(id.length > MAX_ID_LENGTH ? id.slice(0, MAX_ID_LENGTH) : id)) return r;
    if (NUMERIC_ID.test(id)) {
      const n = Number(id);
      const step = n - r.lastNumeric;
      const dir = Math.sign(step);
      // a run walks one way, one or two ids at a time
      if (
        (step === 1 || step === 2 || step === -1 || step === -2) &&
        (r.direction === 0 || dir === r.direction)
      ) {
        r.sequentialRun++;
        r.direction = dir;
      } else {
        r.sequentialRun = 1;
        r.direction = 0;
      }
      r.lastNumeric = n;
    } else {
      r.sequentialRun = 0;
      r.direction = 0;
      r.lastNumeric = Number.NaN;
    }
    return r;
  }
}
