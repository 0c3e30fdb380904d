import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics, in a registry of their own (no global state). */
export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'api' | 'route' | 'status' | 'decision'>;
  readonly duration: Histogram<'api' | 'route'>;
  readonly upstreamDuration: Histogram<'upstream'>;
  readonly inFlight: Gauge;
  readonly reloads: Counter<'result'>;
  /** Shared-state (Redis) failures met by limits, by the failure mode that applied. */
  readonly stateFailures: Counter<'mode'>;
}

/** Create the metrics; `prefix` namespaces them (default "rampart_"). */
export function createMetrics(prefix = 'rampart_'): GatewayMetrics {
  const registry = new Registry();
  const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  return {
    registry,
    requests: new Counter({
      name: `${prefix}requests_total`,
      help: 'Requests by API, route, response status and gateway decision',
      labelNames: ['api', 'route', 'status', 'decision'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: `${prefix}request_duration_seconds`,
      help: 'Time from request to the end of the response, as the gateway saw it',
      labelNames: ['api', 'route'],
      buckets,
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
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
    }),
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

type Child = { inc(): void };
type ObserveChild = { observe(v: number): void };

/**
 * Record one finished request. Label children are cached by their values, so the hot path does a
 * string concatenation and a Map lookup instead of prom-client's per-call label hashing. The caches
 * are bounded: past the cap a label set is recorded the slow way.
 */
export function createRequestRecorder(metrics: GatewayMetrics) {
  const counters = new Map<string, Child>();
  const durations = new Map<string, ObserveChild>();
  const upstreams = new Map<string, ObserveChild>();
  const CAP = 10_000;
  return {
    request(api: string, route: string, status: number, decision: string, seconds: number): void {
      const key = `${api}\u0000${route}\u0000${status}\u0000${decision}`;
      let c = counters.get(key);
      if (c === undefined) {
        c = metrics.requests.labels({ api, route, status, decision });
        if (counters.size < CAP) counters.set(key, c);
      }
      c.inc();
      const dKey = `${api}\u0000${route}`;
      let d = durations.get(dKey);
      if (d === undefined) {
        d = metrics.duration.labels({ api, route });
        if (durations.size < CAP) durations.set(dKey, d);
      }
      d.observe(seconds);
    },
    upstream(name: string, seconds: number): void {
      let u = upstreams.get(name);
      if (u === undefined) {
        u = metrics.upstreamDuration.labels({ upstream: name });
        if (upstreams.size < CAP) upstreams.set(name, u);
      }
      u.observe(seconds);
    },
  };
}
