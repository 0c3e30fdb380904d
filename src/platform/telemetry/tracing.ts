/**
 * OpenTelemetry tracing of the gateway, off by default (`telemetry.enabled`). When on: a tracer
 * provider of its own (no global registration, so tests can run several), a ratio sampler that
 * follows a trusted parent, and a batch processor exporting OTLP/HTTP JSON to the collector.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { TelemetryConfig } from '../../config/schema.ts';
import { VERSION } from '../../version.ts';
import type { Logger } from '../logger.ts';
import { createInstrumentation, type GatewayInstrumentation } from './instrument.ts';

/** A running tracer: the gateway's wrappers, and the exporter's lifecycle. */
export interface Tracing extends GatewayInstrumentation {
  /** Export every finished span now. */
  forceFlush(): Promise<void>;
  /** Export what is left (the SIGTERM path) and stop; later spans are dropped. */
  shutdown(): Promise<void>;
}

/** How often an export failure is logged at most. */
const WARN_EVERY_MS = 10_000;

/** Start the tracer provider and exporter for `config` (which must be enabled). */
export function createTracing(config: TelemetryConfig, logger: Logger | undefined): Tracing {
  const exporter = warnOnFailure(
    new OTLPTraceExporter({
      url: config.endpoint,
      // a copy: the config is frozen, and the values may hold ${ENV} secrets (never logged)
      headers: { ...config.headers },
      timeoutMillis: config.exportTimeoutMs,
    }),
    logger,
    withoutCredentials(config.endpoint),
  );
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': VERSION }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        maxQueueSize: config.maxQueueSize,
        maxExportBatchSize: Math.min(512, config.maxQueueSize),
        scheduledDelayMillis: 1000,
        exportTimeoutMillis: config.exportTimeoutMs,
      }),
    ],
  });
  const tracer = provider.getTracer('rampart', VERSION);
  const wrappers = createInstrumentation(tracer, { trustIncoming: config.trustIncoming });
  let stopped: Promise<void> | undefined;
  return {
    ...wrappers,
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= provider.shutdown();
      return stopped;
    },
  };
}

/** The exporter, with failed exports logged (rate-limited; the endpoint, never the headers). */
function warnOnFailure(exporter: SpanExporter, logger: Logger | undefined, endpoint: string): SpanExporter {
  let lastWarn = 0;
  return {
    export(spans: ReadableSpan[], done) {
      exporter.export(spans, (result) => {
        // ExportResultCode.SUCCESS is 0 (@opentelemetry/core, not a direct dependency)
        if (result.code !== 0 && logger !== undefined) {
          const now = Date.now();
          if (now - lastWarn >= WARN_EVERY_MS) {
            lastWarn = now;
            logger.warn({
              msg: 'trace export failed; spans dropped',
              endpoint,
              spans: spans.length,
              error: result.error?.message.slice(0, 200),
            });
          }
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

/** The endpoint as it may be logged: no user or password from the URL. */
function withoutCredentials(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
