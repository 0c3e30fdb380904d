import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { CompiledRoute, Plan } from '../gateway/plan.ts';
import { blockClient } from '../policies/client-gate.ts';
import type { SharedState } from '../state/types.ts';
import { ApiError, iso, type Json, only, readBody, str } from './admin-http.ts';
import { diffInventory } from './discovery/diff.ts';
import type { Endpoint } from './discovery/inventory.ts';
import type { EventQuery, EventStore, Severity, StoredEvent } from './events/types.ts';
import { FindingsFormatError, normalizeReport } from './findings/normalize.ts';
import type { FindingsStore } from './findings/store.ts';
import type { TrafficCounter } from './traffic.ts';

/** What the read views of the admin API draw on; each part is optional and its routes answer 503 without it. */
export interface AdminSources {
  readonly events?: EventStore | undefined;
  readonly findings?: FindingsStore | undefined;
  /** The shared state holding the blocklist. */
  readonly state?: SharedState | undefined;
  /** Requests this process served (absent in the cluster primary). */
  readonly traffic?: TrafficCounter | undefined;
  /** The running plan: its OpenAPI documents and the policies of each route. */
  readonly plan?: (() => Plan) | undefined;
  /** The inventory learned from traffic, when discovery runs in this process. */
  readonly inventory?: (() => readonly Endpoint[]) | undefined;
}

/** Largest findings report POST /api/findings reads. */
export const MAX_FINDINGS_BODY_BYTES = 4 * 1024 * 1024;
const MAX_QUERY = 4096;
const WORD = /^[a-z][a-z0-9_.-]{0,63}$/;
const PRINTABLE = /^[\x21-\x7e]{1,512}$/;
const BLOCK_VALUE = /^[\x21-\x7e]{1,256}$/;
const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
const MAX_BLOCK_SECONDS = 365 * 86_400;

function need<T>(value: T | undefined, code: string, detail: string): T {
  if (value === undefined) throw new ApiError(503, code, detail);
  return value;
}
const needEvents = (s: AdminSources): EventStore =>
  need(s.events, 'admin.events.unavailable', 'no event store: set events.enabled in the config');
const needState = (s: AdminSources): SharedState =>
  need(s.state, 'admin.state.unavailable', 'no shared state in this process');

/** Query parameters, bounded, with typed readers that refuse malformed values with 400. */
class Query {
  readonly #p: URLSearchParams;
  constructor(query: string) {
    if (query.length > MAX_QUERY)
      throw new ApiError(400, 'admin.query.invalid', 'the query string is too long');
    this.#p = new URLSearchParams(query);
  }
  str(name: string, re: RegExp): string | undefined {
    const v = this.#p.get(name);
    if (v === null) return undefined;
    if (!re.test(v)) throw new ApiError(400, 'admin.query.invalid', `"${name}" is malformed`);
    return v;
  }
  int(name: string, min: number, max: number, fallback: number): number {
    const v = this.#p.get(name);
    if (v === null) return fallback;
    const n = /^[0-9]{1,16}$/.test(v) ? Number(v) : Number.NaN;
    if (!(n >= min && n <= max))
      throw new ApiError(400, 'admin.query.invalid', `"${name}" must be an integer from ${min} to ${max}`);
    return n;
  }
  optInt(name: string, max: number): number | undefined {
    return this.#p.has(name) ? this.int(name, 0, max, 0) : undefined;
  }
  time(name: string): number | undefined {
    const v = this.#p.get(name);
    if (v === null) return undefined;
    const t = v.length <= 32 ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(t))
      throw new ApiError(400, 'admin.query.invalid', `"${name}" must be an ISO 8601 date-time`);
    return t;
  }
}

/** An event as the API shows it. */
function eventView(e: StoredEvent): Json {
  return { ...e, time: iso(e.time) };
}

async function listEvents(sources: AdminSources, q: Query): Promise<Json> {
  const events = needEvents(sources);
  const order = q.str('order', /^(?:asc|desc)$/) ?? 'desc';
  const severity = q.str('severity', /^(?:info|low|medium|high|critical)$/) as Severity | undefined;
  const ip = q.str('ip', /^[0-9A-Fa-f.:]{2,64}$/);
  const limit = q.int('limit', 1, 1000, 100);
  const cursor = q.optInt('after', Number.MAX_SAFE_INTEGER);
  const before = q.optInt('before', Number.MAX_SAFE_INTEGER);
  const query: EventQuery = {
    order: order as 'asc' | 'desc',
    limit,
    ...optional('category', q.str('category', WORD)),
    ...optional('consumer', q.str('consumer', /^[\x21-\x7e]{1,256}$/)),
    ...optional('route', q.str('route', PRINTABLE)),
    ...optional('since', q.time('since')),
    ...optional('severity', severity !== undefined && SEVERITIES.includes(severity) ? severity : undefined),
    ...optional('ip', ip),
    ...optional('after', cursor),
    ...optional('before', before),
  };
  const list = await events.list(query);
  const last = list.at(-1);
  return { events: list.map(eventView), next: list.length === limit && last !== undefined ? last.id : null };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

async function overview(sources: AdminSources, q: Query, now: number): Promise<Json> {
  const events = needEvents(sources);
  const hours = q.int('hours', 1, 720, 24);
  // about 96 buckets whatever the window, on whole minutes
  const bucketSeconds = Math.max(60, Math.ceil((hours * 3600) / 96 / 60) * 60);
  const bucketMs = bucketSeconds * 1000;
  const since = Math.floor((now - hours * 3_600_000) / bucketMs) * bucketMs;
  const agg = await events.aggregate(since, bucketMs);
  const refusedAt = new Map(agg.series);
  const traffic = sources.traffic?.series(since, bucketMs);
  const series: Json[] = [];
  for (let t = since, i = 0; t <= now && series.length < 1000; t += bucketMs, i++) {
    series.push({
      t: iso(t),
      requests: traffic === undefined ? null : (traffic[i]?.[1] ?? 0),
      refused: refusedAt.get(t) ?? 0,
    });
  }
  const counts = (list: readonly (readonly [string, number])[]) =>
    list.map(([key, count]) => ({ key, count }));
  return {
    since: iso(since),
    until: iso(now),
    bucketSeconds,
    requests: traffic === undefined ? null : traffic.reduce((sum, [, n]) => sum + n, 0),
    refused: agg.refused,
    blocked: sources.state?.members('block').length ?? 0,
    series,
    byCategory: counts(agg.byCategory),
    topRoutes: counts(agg.topRoutes),
    topClients: counts(agg.topClients),
  };
}

function policiesOf(route: CompiledRoute | undefined): string[] {
  if (route === undefined) return [];
  const out: string[] = [];
  if (route.phases !== null) {
    for (const entries of Object.values(route.phases)) {
      for (const e of entries ?? []) out.push(e.mode === 'monitor' ? `${e.name} (monitor)` : e.name);
    }
  }
  return out;
}

function statuses(endpoints: readonly Endpoint[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of endpoints) for (const [k, n] of Object.entries(e.statuses)) out[k] = (out[k] ?? 0) + n;
  return out;
}

function inventory(sources: AdminSources, now: number): Json {
  const plan = sources.plan?.();
  const learned = sources.inventory?.() ?? [];
  const learning = sources.inventory !== undefined;
  const rows: Json[] = [];
  const claimed = new Set<Endpoint>();
  const undeclared: Json[] = [];
  for (const api of plan?.apis ?? []) {
    const diff = diffInventory(learned, api.document, { now });
    const zombies = new Map(diff.zombie.map((z) => [`${z.method} ${z.path}`, z.kind]));
    for (const use of diff.operations) {
      for (const e of use.endpoints) claimed.add(e);
      const method = use.op.method.toUpperCase();
      // listOperations builds fresh objects: match the route by method and document path
      const route = plan?.routes.find(
        (r) => r.api === api && r.operation?.path === use.op.path && r.operation.method === use.op.method,
      );
      const zombieKind = learning ? zombies.get(`${method} ${use.op.path}`) : undefined;
      const first = use.endpoints.reduce<number | null>(
        (m, e) => (m === null || e.firstSeen < m ? e.firstSeen : m),
        null,
      );
      rows.push({
        api: api.name,
        method,
        path: use.op.path,
        status: zombieKind === undefined ? 'documented' : 'zombie',
        ...(zombieKind === undefined ? {} : { zombieKind }),
        operationId: use.op.operationId ?? null,
        deprecated: use.op.deprecated,
        calls: use.calls,
        refused: 0,
        statuses: statuses(use.endpoints),
        consumers: new Set(use.endpoints.flatMap((e) => e.consumers)).size,
        sensitive: [...new Set(use.endpoints.flatMap((e) => e.sensitive))].sort(),
        firstSeen: iso(first),
        lastSeen: iso(use.lastSeen),
        policies: policiesOf(route),
      });
    }
    undeclared.push(...diff.undeclaredParameters.map((u) => ({ ...u })));
  }
  for (const e of learned) {
    if (claimed.has(e)) continue;
    rows.push({
      api: null,
      method: e.method,
      path: e.path,
      status: 'shadow',
      operationId: null,
      deprecated: false,
      calls: e.count,
      refused: e.refusedUndeclared,
      statuses: { ...e.statuses },
      consumers: e.consumers.length,
      sensitive: [...e.sensitive],
      firstSeen: iso(e.firstSeen),
      lastSeen: iso(e.lastSeen),
      policies: [],
    });
  }
  const summary = { documented: 0, shadow: 0, zombie: 0 };
  for (const r of rows) summary[r.status as keyof typeof summary]++;
  return { learning, summary, endpoints: rows, undeclaredParameters: undeclared.slice(0, 10_000) };
}

function blockView([member, until]: [string, number]): Json {
  const colon = member.indexOf(':');
  return { kind: member.slice(0, colon), value: member.slice(colon + 1), until: iso(until) };
}

async function addBlock(sources: AdminSources, req: IncomingMessage): Promise<Json> {
  const body = await readBody(req);
  only(body, ['kind', 'value', 'ttlSeconds']);
  const kind = str(body, 'kind', /^(?:ip|consumer)$/, true) as 'ip' | 'consumer';
  const value = str(body, 'value', BLOCK_VALUE, true);
  if (kind === 'ip' && isIP(value) === 0)
    throw new ApiError(400, 'admin.body.invalid', '"value" is not an IP address');
  const ttl = body.ttlSeconds;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_BLOCK_SECONDS)
    throw new ApiError(
      400,
      'admin.body.invalid',
      `"ttlSeconds" must be an integer from 1 to ${MAX_BLOCK_SECONDS}`,
    );
  const state = needState(sources);
  await blockClient(state, kind, value, ttl * 1000);
  return { kind, value, until: iso(Date.now() + ttl * 1000) };
}

async function removeBlock(sources: AdminSources, kind: string, raw: string): Promise<Json> {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw new ApiError(404, 'admin.block.not_found', 'no such block');
  }
  if ((kind !== 'ip' && kind !== 'consumer') || !BLOCK_VALUE.test(value))
    throw new ApiError(404, 'admin.block.not_found', 'no such block');
  const state = needState(sources);
  if (state.memberUntil('block', `${kind}:${value}`) === 0)
    throw new ApiError(404, 'admin.block.not_found', 'no such block');
  await blockClient(state, kind, value, 0);
  return { kind, value, removed: true };
}

async function importFindings(sources: AdminSources, req: IncomingMessage): Promise<Json> {
  const store = need(
    sources.findings,
    'admin.events.unavailable',
    'no findings store: set events.enabled in the config',
  );
  const body = await readBody(req, MAX_FINDINGS_BODY_BYTES);
  let report: ReturnType<typeof normalizeReport>;
  try {
    report = normalizeReport(body);
  } catch (err) {
    if (err instanceof FindingsFormatError)
      throw new ApiError(400, 'admin.body.invalid', err.message.slice(0, 256));
    throw err;
  }
  const imp = await store.add(report);
  return { ...imp, importedAt: iso(imp.importedAt) };
}

/**
 * Serve the read views and blocks of the admin API; undefined when the path is not one of them.
 * `parts` is the path split on `/`: ['', 'api', resource, id?, action?].
 */
export async function viewRoute(
  sources: AdminSources,
  req: IncomingMessage,
  parts: readonly (string | undefined)[],
  query: string,
): Promise<[number, Json] | undefined> {
  const method = req.method ?? 'GET';
  const [, , resource, id, action] = parts;
  const get = () => {
    if (method !== 'GET' && method !== 'HEAD') throw new ApiError(405, 'admin.method', 'use GET');
  };
  const now = Date.now();
  switch (resource) {
    case 'overview':
      if (id !== undefined) return undefined;
      get();
      return [200, await overview(sources, new Query(query), now)];
    case 'events':
      if (id !== undefined) return undefined;
      get();
      return [200, await listEvents(sources, new Query(query))];
    case 'alerts': {
      if (id !== undefined) return undefined;
      get();
      const limit = new Query(query).int('limit', 1, 1000, 100);
      const alerts = await needEvents(sources).list({
        categories: ['anomaly', 'response'],
        order: 'desc',
        limit,
      });
      return [200, { alerts: alerts.map(eventView) }];
    }
    case 'inventory':
      if (id !== undefined) return undefined;
      get();
      return [200, inventory(sources, now)];
    case 'blocks':
      if (id === undefined) {
        if (method === 'POST') return [201, await addBlock(sources, req)];
        get();
        return [200, { blocks: needState(sources).members('block').slice(0, 10_000).map(blockView) }];
      }
      if (action === undefined || parts.length !== 5) return undefined;
      if (method !== 'DELETE') throw new ApiError(405, 'admin.method', 'use DELETE');
      return [200, await removeBlock(sources, id, action)];
    case 'findings': {
      if (id !== undefined) return undefined;
      if (method === 'POST') return [201, await importFindings(sources, req)];
      get();
      const store = need(
        sources.findings,
        'admin.events.unavailable',
        'no findings store: set events.enabled in the config',
      );
      const { imports, findings } = await store.list();
      return [
        200,
        {
          imports: imports.map((i) => ({ ...i, importedAt: iso(i.importedAt) })),
          findings: findings.slice(0, 20_000),
        },
      ];
    }
    default:
      return undefined;
  }
}
