import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { LocalCounter, LocalHistogram } from '../../src/platform/local-metrics.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVED = [0.0005, 0.001, 0.002, 0.05, 0.5, 3, 0.1, 0.0001];

/** The same observations into prom-client's own metrics and into the local ones, in two registries. */
function twoRegistries(): { theirs: Registry; ours: Registry } {
  const theirs = new Registry();
  const ours = new Registry();
  const c1 = new Counter({ name: 'x_total', help: 'h', labelNames: ['api', 'status'], registers: [theirs] });
  const h1 = new Histogram({
    name: 'x_seconds',
    help: 'h',
    labelNames: ['api'],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const c2 = new LocalCounter({
    name: 'x_total',
    help: 'h',
    labelNames: ['api', 'status'],
    registers: [ours],
  });
  const h2 = new LocalHistogram({
    name: 'x_seconds',
    help: 'h',
    labelNames: ['api'],
    buckets: BUCKETS,
    registers: [ours],
  });
  for (const [i, v] of OBSERVED.entries()) {
    const api = i % 2 === 0 ? 'a' : 'b';
    c1.labels({ api, status: 200 }).inc();
    c2.labels({ api, status: 200 }).inc();
    h1.labels({ api }).observe(v);
    h2.labels({ api }).observe(v);
  }
  c1.labels({ api: 'a', status: 404 }).inc(3);
  c2.labels({ api: 'a', status: 404 }).inc(3);
  return { theirs, ours };
}

test('local counter and histogram print exactly what prom-client prints for the same observations', async () => {
  const { theirs, ours } = twoRegistries();
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('cluster workers aggregate the same (AggregatorRegistry sums per label set)', async () => {
  const a = twoRegistries();
  const b = twoRegistries();
  const theirs = AggregatorRegistry.aggregate([
    await a.theirs.getMetricsAsJSON(),
    await b.theirs.getMetricsAsJSON(),
  ] as never);
  const ours = AggregatorRegistry.aggregate([
    await a.ours.getMetricsAsJSON(),
    await b.ours.getMetricsAsJSON(),
  ] as never);
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('a non-finite observation is ignored; reset clears every series', async () => {
  const r = new Registry();
  const h = new LocalHistogram({
    name: 'y_seconds',
    help: 'h',
    labelNames: ['k'],
    buckets: BUCKETS,
    registers: [r],
  });
  h.labels({ k: 'x' }).observe(Number.NaN);
  h.labels({ k: 'x' }).observe(0.2);
  assert.match(await r.metrics(), /y_seconds_count\{k="x"\} 1\n/);
  r.resetMetrics();
  assert.doesNotMatch(await r.metrics(), /y_seconds_count/);
});
