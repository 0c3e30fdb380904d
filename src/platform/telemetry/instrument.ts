/**
 * The gateway's tracing wrappers. Everything here is applied once, when tracing is on: the request
 * handler, the policy factories (so each compiled phase entry runs inside a span) and the upstream
 * pools (a client span per upstream call, W3C traceparent sent upstream). With tracing off none of
 * it is installed and a request runs no tracing code at all.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { Dispatcher, Pool } from 'undici';
import { CONTINUE, type PhaseEntry, type Verdict } from '../../gateway/pipeline.ts';
import type { Upstream } from '../../gateway/upstreams.ts';
import type { PolicyFactory } from '../../policies/registry.ts';
import { formatTraceparent, parseTraceparent } from './traceparent.ts';

/** What one traced request carries through its phases and its upstream call. */
interface RequestTrace {
  readonly span: Span;
  /** The context whose active span is the server span: the parent of every stage span. */
  readonly context: Context;
  route: string | undefined;
  refusal: { readonly code: string; readonly policy: string } | undefined;
}

/** Settings of the wrappers. */
export interface InstrumentOptions {
  /** Continue a client's traceparent; otherwise every request starts a new trace. */
  readonly trustIncoming: boolean;
}

/** The wrappers of one tracer; see the module comment. */
export interface GatewayInstrumentation {
  /** The request listener inside a server span. */
  handler(h: RequestListener): RequestListener;
  /** The factories with each compiled entry traced, plus one entry that names the route. */
  factories(f: readonly PolicyFactory[]): PolicyFactory[];
  /** The upstreams with their pools traced (a client span per call, traceparent sent). */
  upstreams(u: Map<string, Upstream>): Map<string, Upstream>;
}

const MAX_PATH = 256;

/** Build the wrappers that record spans with `tracer`. */
export function createInstrumentation(tracer: Tracer, options: InstrumentOptions): GatewayInstrumentation {
  // one store per instrumentation: two gateways in one process never see each other's requests
  const requests = new AsyncLocalStorage<RequestTrace>();

  const handler = (h: RequestListener): RequestListener =>
    function tracedRequest(req: IncomingMessage, res: ServerResponse): void {
      const remote = options.trustIncoming ? parseTraceparent(req.headers.traceparent) : undefined;
      const parent = remote === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, remote);
      const method = req.method ?? 'GET';
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      // the path only: a query may carry credentials (API keys in the query string)
      const path = (q === -1 ? url : url.slice(0, q)).slice(0, MAX_PATH);
      const span = tracer.startSpan(
        method,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': method,
            'url.path': path,
            'network.peer.address': req.socket.remoteAddress ?? '',
            'network.protocol.version': req.httpVersion,
          },
        },
        parent,
      );
      const rt: RequestTrace = {
        span,
        context: trace.setSpan(parent, span),
        route: undefined,
        refusal: undefined,
      };
      res.once('close', () => endServerSpan(rt, method, res));
      requests.run(rt, h, req, res);
    };

  const factories = (list: readonly PolicyFactory[]): PolicyFactory[] => [
    routeNamer(requests),
    ...list.map((f) => tracedFactory(f, tracer, requests)),
  ];

  const upstreams = (map: Map<string, Upstream>): Map<string, Upstream> => {
    const out = new Map<string, Upstream>();
    for (const [name, u] of map) {
      const pool = u.pool.compose(upstreamInterceptor(u, tracer, requests)) as unknown as Pool;
      out.set(name, { ...u, pool });
    }
    return out;
  };

  return { handler, factories, upstreams };
}

function endServerSpan(rt: RequestTrace, method: string, res: ServerResponse): void {
  const { span } = rt;
  const status = res.statusCode;
  span.setAttribute('http.response.status_code', status);
  if (rt.route !== undefined) {
    span.updateName(`${method} ${rt.route}`);
    span.setAttribute('http.route', rt.route);
  }
  if (rt.refusal !== undefined) {
    span.setAttribute('rampart.refusal.code', rt.refusal.code);
    span.setAttribute('rampart.policy', rt.refusal.policy);
  }
  if (!res.writableFinished) span.setAttribute('rampart.aborted', true);
  // OpenTelemetry HTTP conventions: a server span is an error only for 5xx; refusals carry their
  // code as an attribute, and the refusing stage span is the one marked as an error
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: String(status) });
  span.end();
}

/** A first clientGate entry that records the route template (every traced route then has phases). */
function routeNamer(requests: AsyncLocalStorage<RequestTrace>): PolicyFactory {
  return {
    name: 'trace',
    phase: 'clientGate',
    compile(ctx) {
      const template = ctx.template;
      return {
        name: 'trace',
        mode: ctx.mode,
        run(): Verdict {
          const rt = requests.getStore();
          if (rt !== undefined) rt.route = template;
          return CONTINUE;
        },
      };
    },
  };
}

/** A factory whose compiled entry runs inside a span named after its phase and policy. */
function tracedFactory(
  f: PolicyFactory,
  tracer: Tracer,
  requests: AsyncLocalStorage<RequestTrace>,
): PolicyFactory {
  return {
    name: f.name,
    phase: f.phase,
    compile(ctx) {
      const entry = f.compile(ctx);
      if (entry === null) return null;
      return { ...entry, run: tracedRun(entry, f.phase, tracer, requests) };
    },
  };
}

function tracedRun(
  entry: PhaseEntry,
  phase: string,
  tracer: Tracer,
  requests: AsyncLocalStorage<RequestTrace>,
): PhaseEntry['run'] {
  const name = `${phase} ${entry.name}`;
  const attributes = { 'rampart.phase': phase, 'rampart.policy': entry.name, 'rampart.mode': entry.mode };
  return (ctx) => {
    const rt = requests.getStore();
    if (rt === undefined) return entry.run(ctx);
    const span = tracer.startSpan(name, { attributes }, rt.context);
    let verdict: ReturnType<PhaseEntry['run']>;
    try {
      verdict = entry.run(ctx);
    } catch (err) {
      failed(span, err);
      throw err;
    }
    if (verdict instanceof Promise) {
      return verdict.then(
        (v) => {
          settled(span, v, entry, rt);
          return v;
        },
        (err: unknown) => {
          failed(span, err);
          throw err;
        },
      );
    }
    settled(span, verdict, entry, rt);
    return verdict;
  };
}

function settled(span: Span, v: Verdict, entry: PhaseEntry, rt: RequestTrace): void {
  if (v.kind === 'refuse') {
    // the code only: evidence may quote the request and does not leave the gateway
    span.setAttribute('rampart.refusal.code', v.refusal.code);
    if (entry.mode === 'monitor') span.setAttribute('rampart.verdict', 'monitor');
    else {
      span.setAttribute('rampart.verdict', 'refuse');
      span.setStatus({ code: SpanStatusCode.ERROR, message: v.refusal.code });
      rt.refusal = { code: v.refusal.code, policy: entry.name };
    }
  } else if (v.kind === 'respond') {
    span.setAttribute('rampart.verdict', 'respond');
    span.setAttribute('http.response.status_code', v.status);
  }
  span.end();
}

function failed(span: Span, err: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorName(err) });
  span.end();
}

function errorName(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code.slice(0, 64);
  return err instanceof Error ? err.name : 'error';
}

/** Wraps an upstream pool's dispatch: a client span per call, and the span's traceparent sent upstream. */
function upstreamInterceptor(
  u: Upstream,
  tracer: Tracer,
  requests: AsyncLocalStorage<RequestTrace>,
): Dispatcher.DispatcherComposeInterceptor {
  const origin = new URL(u.origin);
  const port = Number(origin.port || (origin.protocol === 'https:' ? 443 : 80));
  const name = `upstream ${u.name}`;
  return (dispatch) =>
    function tracedDispatch(opts, handler) {
      const rt = requests.getStore();
      if (rt === undefined) return dispatch(opts, handler);
      const span = tracer.startSpan(
        name,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': opts.method,
            'server.address': origin.hostname,
            'server.port': port,
            'rampart.upstream': u.name,
          },
        },
        rt.context,
      );
      const headers = withTraceparent(opts.headers, formatTraceparent(span.spanContext()));
      return dispatch({ ...opts, headers }, new TracedHandler(handler, span));
    };
}

/**
 * The request headers with every traceparent and tracestate a client sent removed and the gateway's
 * traceparent added: two traceparent headers would make the upstream start a new trace.
 */
function withTraceparent(headers: Dispatcher.DispatchOptions['headers'], value: string): string[] {
  const out: string[] = [];
  const add = (k: string, v: unknown) => {
    const lower = k.toLowerCase();
    if (lower === 'traceparent' || lower === 'tracestate' || v === undefined || v === null) return;
    if (Array.isArray(v)) for (const item of v) out.push(k, String(item));
    else out.push(k, String(v));
  };
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) add(String(headers[i]), headers[i + 1]);
  } else if (headers != null && typeof headers === 'object') {
    const entries =
      Symbol.iterator in headers
        ? (headers as Iterable<[string, unknown]>)
        : Object.entries(headers as Record<string, unknown>);
    for (const [k, v] of entries) add(k, v);
  }
  out.push('traceparent', value);
  return out;
}

/** Forwards every callback to the gateway's handler and ends the client span once. */
class TracedHandler implements Dispatcher.DispatchHandler {
  readonly #inner: Dispatcher.DispatchHandler;
  readonly #span: Span;
  #ended = false;

  constructor(inner: Dispatcher.DispatchHandler, span: Span) {
    this.#inner = inner;
    this.#span = span;
  }

  #end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    if (error !== undefined) this.#span.setStatus({ code: SpanStatusCode.ERROR, message: errorName(error) });
    this.#span.end();
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[2],
    socket: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[3],
  ): void {
    this.#span.setAttribute('http.response.status_code', statusCode);
    this.#end();
    this.#inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>[2],
    statusMessage?: string,
  ): void {
    // interim 1xx answers come before the final one: the last call wins
    this.#span.setAttribute('http.response.status_code', statusCode);
    if (statusCode >= 500) this.#span.setStatus({ code: SpanStatusCode.ERROR, message: String(statusCode) });
    this.#inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(
    controller: Dispatcher.DispatchController,
    trailers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>[1],
  ): void {
    this.#end();
    this.#inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.#end(error);
    this.#inner.onResponseError?.(controller, error);
  }

  onResponseStarted(): void {
    this.#inner.onResponseStarted?.();
  }

  onBodySent(chunk: Buffer): void {
    this.#inner.onBodySent?.(chunk);
  }

  onRequestSent(): void {
    this.#inner.onRequestSent?.();
  }
}
