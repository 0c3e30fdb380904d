import { classifyText, classifyValue } from '../../detect/sensitive/index.ts';
import { paramName, type TemplateSegment, templateSegments, templateString } from './template.ts';

/** One call seen on the wire, from the gateway, a HAR file or an access log. */
export interface Observation {
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly method: string;
  /** The path, optionally with its query string. */
  readonly path: string;
  readonly status: number;
  readonly consumer?: string | null | undefined;
  readonly requestContentType?: string | undefined;
  readonly responseContentType?: string | undefined;
  /** Query parameters (parsed from `path` when absent). */
  readonly query?: readonly (readonly [string, string])[] | undefined;
  /** The refusal code the gateway gave, if any (`route.undeclared` marks shadow traffic). */
  readonly code?: string | null | undefined;
  /** A sample of the bodies, scanned for sensitive data when present. */
  readonly requestBody?: string | undefined;
  readonly responseBody?: string | undefined;
  /** Sensitive data types the gateway already found in this exchange (e.g. what it masked). */
  readonly sensitive?: readonly string[] | undefined;
}

/** What the inventory knows about one method + path template. */
export interface Endpoint {
  readonly method: string;
  readonly path: string;
  readonly segments: readonly TemplateSegment[];
  readonly count: number;
  /** Status code → calls. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly consumers: readonly string[];
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly requestContentTypes: readonly string[];
  readonly responseContentTypes: readonly string[];
  readonly queryParams: readonly string[];
  /** Sensitive-data types seen in query values and sampled bodies (`email`, `card`, …). */
  readonly sensitive: readonly string[];
  /** Calls the gateway refused as undeclared. */
  readonly refusedUndeclared: number;
}

/** Bounds that keep an inventory's memory finite whatever the traffic. */
export interface InventoryOptions {
  /** Distinct endpoints kept (after templating by look); further new ones are counted in `overflow`. */
  readonly maxEndpoints?: number;
  /** Distinct values kept per set (consumers, parameters, content types). */
  readonly maxValues?: number;
  /** More distinct names than this at one segment position (same prefix) make it a parameter. */
  readonly learnThreshold?: number;
  /** Longest body sample scanned for sensitive data. */
  readonly maxBodySample?: number;
}

interface Acc {
  method: string;
  segments: TemplateSegment[];
  count: number;
  statuses: Map<string, number>;
  consumers: Set<string>;
  firstSeen: number;
  lastSeen: number;
  requestContentTypes: Set<string>;
  responseContentTypes: Set<string>;
  queryParams: Set<string>;
  sensitive: Set<string>;
  refusedUndeclared: number;
}

const METHOD = /^[A-Za-z]{1,16}$/;

function mediaType(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const semi = value.indexOf(';');
  const t = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  return t === '' || t.length > 100 ? undefined : t;
}

function addBounded(set: Set<string>, value: string | undefined | null, max: number): void {
  if (value === undefined || value === null || value === '') return;
  if (set.size < max || set.has(value)) set.add(value);
}

function parseQuery(path: string): [string, string][] {
  const q = path.indexOf('?');
  if (q === -1) return [];
  return [...new URLSearchParams(path.slice(q + 1))].slice(0, 100);
}

/** The endpoints actually called, learned from observations. */
export class Inventory {
  readonly #acc = new Map<string, Acc>();
  readonly #maxEndpoints: number;
  readonly #maxValues: number;
  readonly #learnThreshold: number;
  readonly #maxBody: number;
  /** Observations not kept because `maxEndpoints` was reached. */
  overflow = 0;
  /** Observations seen. */
  observed = 0;

  constructor(options: InventoryOptions = {}) {
    this.#maxEndpoints = options.maxEndpoints ?? 10_000;
    this.#maxValues = options.maxValues ?? 100;
    this.#learnThreshold = options.learnThreshold ?? 20;
    this.#maxBody = options.maxBodySample ?? 64 * 1024;
  }

  /** Add one call. Malformed observations (bad method) are ignored. */
  observe(o: Observation): void {
    if (!METHOD.test(o.method)) return;
    this.observed++;
    const method = o.method.toUpperCase();
    const segments = templateSegments(o.path.length > 8192 ? o.path.slice(0, 8192) : o.path);
    const key = `${method} ${templateString(segments)}`;
    let acc = this.#acc.get(key);
    if (acc === undefined) {
      if (this.#acc.size >= this.#maxEndpoints) {
        this.overflow++;
        return;
      }
      acc = {
        method,
        segments,
        count: 0,
        statuses: new Map(),
        consumers: new Set(),
        firstSeen: o.time,
        lastSeen: o.time,
        requestContentTypes: new Set(),
        responseContentTypes: new Set(),
        queryParams: new Set(),
        sensitive: new Set(),
        refusedUndeclared: 0,
      };
      this.#acc.set(key, acc);
    }
    const max = this.#maxValues;
    acc.count++;
    const status = String(o.status);
    acc.statuses.set(status, (acc.statuses.get(status) ?? 0) + 1);
    addBounded(acc.consumers, o.consumer, max);
    acc.firstSeen = Math.min(acc.firstSeen, o.time);
    acc.lastSeen = Math.max(acc.lastSeen, o.time);
    addBounded(acc.requestContentTypes, mediaType(o.requestContentType), max);
    addBounded(acc.responseContentTypes, mediaType(o.responseContentType), max);
    if (o.code === 'route.undeclared') acc.refusedUndeclared++;
    for (const [name, value] of o.query ?? parseQuery(o.path)) {
      if (name.length > 128) continue;
      addBounded(acc.queryParams, name, max);
      const hit = classifyValue(value.slice(0, 1024), { fieldName: name });
      if (hit !== null) acc.sensitive.add(hit.type);
    }
    for (const type of o.sensitive ?? [])
      if (/^[a-z0-9_]{1,32}$/.test(type)) addBounded(acc.sensitive, type, max);
    for (const body of [o.requestBody, o.responseBody]) {
      if (body === undefined || body === '') continue;
      for (const m of classifyText(body, { maxLength: this.#maxBody })) acc.sensitive.add(m.type);
    }
  }

  /** Add endpoints learned earlier (loaded from the store), merged with what is already known. */
  restore(endpoints: readonly Endpoint[]): void {
    const max = this.#maxValues;
    for (const e of endpoints) {
      if (!METHOD.test(e.method) || !Array.isArray(e.segments)) continue;
      const key = `${e.method} ${templateString(e.segments)}`;
      let acc = this.#acc.get(key);
      if (acc === undefined) {
        if (this.#acc.size >= this.#maxEndpoints) continue;
        acc = {
          method: e.method,
          segments: [...e.segments],
          count: 0,
          statuses: new Map(),
          consumers: new Set(),
          firstSeen: e.firstSeen,
          lastSeen: e.lastSeen,
          requestContentTypes: new Set(),
          responseContentTypes: new Set(),
          queryParams: new Set(),
          sensitive: new Set(),
          refusedUndeclared: 0,
        };
        this.#acc.set(key, acc);
      }
      acc.count += e.count;
      for (const [st, n] of Object.entries(e.statuses)) acc.statuses.set(st, (acc.statuses.get(st) ?? 0) + n);
      for (const c of e.consumers) addBounded(acc.consumers, c, max);
      acc.firstSeen = Math.min(acc.firstSeen, e.firstSeen);
      acc.lastSeen = Math.max(acc.lastSeen, e.lastSeen);
      for (const t of e.requestContentTypes) addBounded(acc.requestContentTypes, t, max);
      for (const t of e.responseContentTypes) addBounded(acc.responseContentTypes, t, max);
      for (const q of e.queryParams) addBounded(acc.queryParams, q, max);
      for (const t of e.sensitive) addBounded(acc.sensitive, t, max);
      acc.refusedUndeclared += e.refusedUndeclared;
    }
  }

  /**
   * The endpoints, with the segment positions that vary too much learned as parameters: where one
   * prefix is followed by more than `learnThreshold` distinct names, those names are values.
   */
  endpoints(): Endpoint[] {
    let entries = [...this.#acc.values()].map((a) => ({ ...a, segments: [...a.segments] }));
    const maxLen = Math.max(0, ...entries.map((e) => e.segments.length));
    for (let k = 0; k < maxLen; k++) {
      const literals = new Map<string, Set<string>>();
      for (const e of entries) {
        const s = e.segments[k];
        if (s === undefined || !('literal' in s)) continue;
        const prefix = templateString(e.segments.slice(0, k));
        let set = literals.get(prefix);
        if (set === undefined) {
          set = new Set();
          literals.set(prefix, set);
        }
        if (set.size <= this.#learnThreshold) set.add(s.literal);
      }
      for (const e of entries) {
        const s = e.segments[k];
        if (s === undefined || !('literal' in s)) continue;
        const set = literals.get(templateString(e.segments.slice(0, k)));
        if (set !== undefined && set.size > this.#learnThreshold) {
          const used = new Set(e.segments.flatMap((x) => ('param' in x ? [x.param] : [])));
          const prev = e.segments[k - 1];
          e.segments[k] = {
            param: paramName(prev !== undefined && 'literal' in prev ? prev.literal : undefined, 'id', used),
            kind: 'learned',
          };
        }
      }
      entries = merge(entries);
    }
    return entries
      .map((a) => ({
        method: a.method,
        path: templateString(a.segments),
        segments: a.segments,
        count: a.count,
        statuses: Object.fromEntries([...a.statuses].sort()),
        consumers: [...a.consumers].sort(),
        firstSeen: a.firstSeen,
        lastSeen: a.lastSeen,
        requestContentTypes: [...a.requestContentTypes].sort(),
        responseContentTypes: [...a.responseContentTypes].sort(),
        queryParams: [...a.queryParams].sort(),
        sensitive: [...a.sensitive].sort(),
        refusedUndeclared: a.refusedUndeclared,
      }))
      .sort((x, y) => (x.path === y.path ? x.method.localeCompare(y.method) : x.path.localeCompare(y.path)));
  }
}

function union(a: Set<string>, b: Set<string>): Set<string> {
  for (const v of b) a.add(v);
  return a;
}

// Entries that became the same template after learning are one endpoint.
function merge(entries: Acc[]): Acc[] {
  const out = new Map<string, Acc>();
  for (const e of entries) {
    const key = `${e.method} ${templateString(e.segments)}`;
    const into = out.get(key);
    if (into === undefined) {
      out.set(key, e);
      continue;
    }
    into.count += e.count;
    for (const [s, n] of e.statuses) into.statuses.set(s, (into.statuses.get(s) ?? 0) + n);
    union(into.consumers, e.consumers);
    into.firstSeen = Math.min(into.firstSeen, e.firstSeen);
    into.lastSeen = Math.max(into.lastSeen, e.lastSeen);
    union(into.requestContentTypes, e.requestContentTypes);
    union(into.responseContentTypes, e.responseContentTypes);
    union(into.queryParams, e.queryParams);
    union(into.sensitive, e.sensitive);
    into.refusedUndeclared += e.refusedUndeclared;
  }
  return [...out.values()];
}
