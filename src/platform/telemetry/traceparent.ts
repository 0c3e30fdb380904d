/**
 * W3C Trace Context `traceparent` headers (https://www.w3.org/TR/trace-context/): parsed and written
 * here so that propagation needs no global propagator and no code beyond these two functions.
 */
import type { SpanContext } from '@opentelemetry/api';

// version 00 only: version-traceid-parentid-flags, lower-case hex, fixed lengths (linear, bounded)
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The remote span context a `traceparent` header names, or undefined when it is absent or malformed. */
export function parseTraceparent(header: string | string[] | undefined): SpanContext | undefined {
  // more than one traceparent is invalid (W3C §3.2): the receiver starts a new trace
  if (typeof header !== 'string' || header.length !== 55) return undefined;
  const m = TRACEPARENT.exec(header);
  if (m === null) return undefined;
  const [, traceId, spanId, flags] = m as unknown as [string, string, string, string];
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & 1, isRemote: true };
}

/** The `traceparent` header value that makes `ctx` the parent of the receiver's spans. */
export function formatTraceparent(ctx: SpanContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-0${ctx.traceFlags & 1}`;
}
