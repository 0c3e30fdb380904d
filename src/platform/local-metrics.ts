/**
 * A counter and a histogram for the per-request hot path: a label set's series is a handle found
 * once (per route, per upstream), and counting is a plain number increment; prom-client reads the
 * series when /metrics is scraped. prom-client's own children hash their label values on every
 * inc/observe, a measurable share of a proxied request's CPU time.
 *
 * Both register in a prom-client Registry and produce what its Counter and Histogram produce (same
 * names, label order, `_bucket`/`_sum`/`_count` lines, `le` buckets, sum aggregation across cluster
 * workers), so scrapers and AggregatorRegistry see no difference.
 */
import type { Metric, Registry } from 'prom-client';

/** One line of a metric as prom-client's registry formats it. */
interface SampleValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  readonly metricName?: string;
}

/** What prom-client's registry reads from a metric (its own metrics' `get()` shape). */
export interface MetricSnapshot {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly values: readonly SampleValue[];
  readonly aggregator: 'sum';
}

type Labels<L extends string> = Readonly<Record<L, string | number>>;

/** One label set's count. */
export interface CounterSeries {
  inc(by?: number): void;
}

/** One label set's observations. */
export interface HistogramSeries {
  observe(value: number): void;
}

/** Most label sets a metric keeps: past it, a new label set is not recorded (memory stays bounded). */
const MAX_SERIES = 10_000;

interface Settings<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly registers: readonly Registry[];
}

function keyOf<L extends string>(names: readonly L[], labels: Labels<L>): string {
  let key = '';
  for (const n of names) key += `${String(labels[n])}\u0000`;
  return key;
}

/** A counter whose series are plain numbers. */
export class LocalCounter<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'counter' as const;
  readonly aggregator = 'sum' as const;
  readonly labelNames: readonly L[];
  readonly #series = new Map<string, { labels: Labels<L>; value: number }>();

  constructor(settings: Settings<L>) {
    this.name = settings.name;
    this.help = settings.help;
    this.labelNames = settings.labelNames;
    for (const r of settings.registers) r.registerMetric(this as unknown as Metric);
  }

  /** The series of one label set, created at zero. */
  labels(labels: Labels<L>): CounterSeries {
    const key = keyOf(this.labelNames, labels);
    let s = this.#series.get(key);
    if (s === undefined) {
      s = { labels: { ...labels }, value: 0 };
      if (this.#series.size < MAX_SERIES) this.#series.set(key, s);
    }
    const series = s;
    return {
      inc(by = 1) {
        series.value += by;
      },
    };
  }

  /** What prom-client's registry formats. */
  get(): MetricSnapshot {
    const values: SampleValue[] = [];
    for (const s of this.#series.values()) values.push({ labels: s.labels, value: s.value });
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    };
  }

  reset(): void {
    this.#series.clear();
  }
}

interface HistogramData<L extends string> {
  readonly labels: Labels<L>;
  /** Observations per bucket (not cumulative); the last is above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** A histogram whose series are arrays of bucket counts. */
export class LocalHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly labelNames: readonly L[];
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, HistogramData<L>>();

  constructor(settings: Settings<L> & { readonly buckets: readonly number[] }) {
    this.name = settings.name;
    this.help = settings.help;
    this.labelNames = settings.labelNames;
    this.#bounds = [...settings.buckets].sort((a, b) => a - b);
    for (const r of settings.registers) r.registerMetric(this as unknown as Metric);
  }

  /** The series of one label set. */
  labels(labels: Labels<L>): HistogramSeries {
    const key = keyOf(this.labelNames, labels);
    let d = this.#series.get(key);
    if (d === undefined) {
      d = { labels: { ...labels }, counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
      if (this.#series.size < MAX_SERIES) this.#series.set(key, d);
    }
    const data = d;
    const bounds = this.#bounds;
    return {
      observe(value: number) {
        if (!Number.isFinite(value)) return;
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i++;
        data.counts[i]!++;
        data.sum += value;
        data.count++;
      },
    };
  }

  /** What prom-client's registry formats: cumulative `_bucket` lines with `le`, then `_sum` and `_count`. */
  get(): MetricSnapshot {
    const values: SampleValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const d of this.#series.values()) {
      let acc = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        acc += d.counts[i]!;
        values.push({ labels: { le: this.#bounds[i]!, ...d.labels }, value: acc, metricName: bucket });
      }
      values.push({ labels: { le: '+Inf', ...d.labels }, value: d.count, metricName: bucket });
      values.push({ labels: d.labels, value: d.sum, metricName: `${this.name}_sum` });
      values.push({ labels: d.labels, value: d.count, metricName: `${this.name}_count` });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    };
  }

  reset(): void {
    this.#series.clear();
  }
}
