import { Counter, Gauge, Registry } from 'prom-client';
import { type CounterSeries, type HistogramSeries, LocalCounter, LocalHistogram } from './local-metrics.ts';

/** The gateway's Prometheus metrics, in a registry of their own (no global state). */
export interface GatewayMetrics {
  readonly registry: Registry;
  // per-request metrics: plain-number series, read by prom-client when scraped (local-metrics.ts)
  readonly requests: LocalCounter<'api' | 'route' | 'status' | 'decision'>;
  readonly duration: LocalHistogram<'api' | 'route'>;
  readonly upstreamDuration: LocalHistogram<'upstream'>;
  readonly inFlight: Gauge;
  /** What the in-flight gauge sums when scraped: each gateway's live request count. */
  readonly inFlightSources: Set<{ readonly inFlight: number }>;
  readonly reloads: Counter<'result'>;
  /** Shared-state (Redis) failures met by limits, by the failure mode that applied. */
  readonly stateFailures: Counter<'mode'>;
}

/** Create the metrics; `prefix` namespaces them (default "rampart_"). */
export function createMetrics(prefix = 'rampart_'): GatewayMetrics {
  const registry = new Registry();
  const inFlightSources = new Set<{ readonly inFlight: number }>();
  const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  return {
    registry,
    requests: new LocalCounter({
      name: `${prefix}requests_total`,
      help: 'Requests by API, route, response status and gateway decision',
      labelNames: ['api', 'route', 'status', 'decision'],
      registers: [registry],
    }),
    duration: new LocalHistogram({
      name: `${prefix}request_duration_seconds`,
      help: 'Time from request to the end of the response, as the gateway saw it',
      labelNames: ['api', 'route'],
      buckets,
      registers: [registry],
    }),
    upstreamDuration: new LocalHistogram({
      name: `${prefix}upstream_duration_seconds`,
      help: 'Time until the upstream answered with headers',
      labelNames: ['upstream'],
      buckets,
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: `${prefix}requests_in_flight`,
      help: 'Requests being served now',
      registers: [registry],
      // read when scraped rather than counted per request
      collect() {
        let n = 0;
        for (const source of inFlightSources) n += source.inFlight;
        this.set(n);
      },
    }),
    inFlightSources,
    reloads: new Counter({
      name: `${prefix}config_reloads_total`,
      help: 'Configuration reloads by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    stateFailures: new Counter({
      name: `${prefix}state_failures_total`,
      help: 'Requests that met an unreachable shared state (Redis), by the failure mode applied',
      labelNames: ['mode'],
      registers: [registry],
    }),
  };
}

type Child = CounterSeries;
type ObserveChild = HistogramSeries;

/** The route facts a request is counted under. */
export interface RecordedRoute {
  readonly id: string;
  readonly api: { readonly name: string };
}

/** Records finished requests and upstream calls into the gateway metrics. */
export interface RequestRecorder {
  /** One finished request; `route` is undefined when none matched. */
  request(route: RecordedRoute | undefined, status: number, decision: Decision, seconds: number): void;
  upstream(name: string, seconds: number): void;
}

/** The gateway decisions a request is counted under. */
export type Decision = 'allow' | 'refuse' | 'monitor' | 'error' | 'aborted';
const DECISIONS: readonly Decision[] = ['allow', 'refuse', 'monitor', 'error', 'aborted'];

/** The label children of one route, found from the route object (no label string built per request). */
interface RouteSlot {
  readonly duration: ObserveChild;
  /** By status * 8 + decision index. */
  readonly outcomes: Map<number, Child>;
}

/**
 * Record finished requests. Series are cached per route object and per status and decision, so the
 * hot path does two Map lookups and number increments, and builds no string. The caches are
 * bounded: past the cap a label set is looked up by its values.
 */
export function createRequestRecorder(metrics: GatewayMetrics): RequestRecorder {
  // routes of replaced plans drop out with their plan
  const routes = new WeakMap<RecordedRoute, RouteSlot>();
  const unrouted: RecordedRoute = { id: '(none)', api: { name: '' } };
  const upstreams = new Map<string, ObserveChild>();
  const CAP = 1_000;
  const slotOf = (route: RecordedRoute): RouteSlot => {
    let slot = routes.get(route);
    if (slot === undefined) {
      slot = {
        duration: metrics.duration.labels({ api: route.api.name, route: route.id }),
        outcomes: new Map(),
      };
      routes.set(route, slot);
    }
    return slot;
  };
  return {
    request(route, status, decision, seconds) {
      const r = route ?? unrouted;
      const slot = slotOf(r);
      const key = status * 8 + DECISIONS.indexOf(decision);
      let c = slot.outcomes.get(key);
      if (c === undefined) {
        c = metrics.requests.labels({ api: r.api.name, route: r.id, status, decision });
        if (slot.outcomes.size < CAP) slot.outcomes.set(key, c);
      }
      c.inc();
      slot.duration.observe(seconds);
    },
    upstream(name, seconds) {
      let u = upstreams.get(name);
      if (u === undefined) {
        u = metrics.upstreamDuration.labels({ upstream: name });
        if (upstreams.size < CAP) upstreams.set(name, u);
      }
      u.observe(seconds);
    },
  };
}
