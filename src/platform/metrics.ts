import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics, in a registry of their own (no global state). */
export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'api' | 'route' | 'status' | 'decision'>;
  readonly duration: Histogram<'api' | 'route'>;
  readonly upstreamDuration: Histogram<'upstream'>;
  readonly inFlight: Gauge;
  readonly reloads: Counter<'result'>;
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
  };
}
