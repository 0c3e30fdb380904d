import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { problemBody, REFUSALS, type Refusal, refuse } from '../errors.ts';
import type { Logger } from '../platform/logger.ts';
import { createRequestRecorder, type GatewayMetrics, type RequestRecorder } from '../platform/metrics.ts';
import { corsPreflightHeaders, corsResponseHeaders, originAllowed } from '../policies/cors.ts';
import { type CodedHead, decodeBody, restoreCoding, takeCoding } from './content-coding.ts';
import { type ClientInfo, forwardedHeader, resolveClient } from './forwarded.ts';
import { headerList, headerRecord } from './header-record.ts';
import { HeldBodyView } from './held-body.ts';
import { normalizeTarget, type PathOptions } from './normalize-path.ts';
import {
  type MonitoredRefusal,
  type MonitorSink,
  mediaTypeEssence,
  type NotableDecision,
  type PhaseResult,
  type RequestContext,
  type ResponseBodyHold,
  type ResponseEvent,
  type ResponseFilter,
  type ResponseHead,
  type ResponseOutcome,
  runPhases,
} from './pipeline.ts';
import type { CompiledRoute, Plan } from './plan.ts';
import type { Upstream } from './upstreams.ts';

/** The mutable cell a reload swaps: the plan and the pools built for it. */
export interface GatewayState {
  plan: Plan;
  upstreams: Map<string, Upstream>;
  pathOptions: PathOptions;
  removeResponseHeaders: ReadonlySet<string>;
  draining: boolean;
  inFlight: number;
}

/** Per-listener facts fixed at start. */
export interface ListenerInfo {
  readonly secure: boolean;
  /** The Strict-Transport-Security value on TLS listeners. */
  readonly hsts: string | undefined;
}

export interface HandlerDeps {
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** Called with every decision record; the events issue hooks in here. */
  readonly onRecord?: (record: AccessRecord) => void;
}

/** What the access log, metrics and (later) the event stream receive for every request. */
export interface AccessRecord {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly api: string | undefined;
  readonly route: string | undefined;
  readonly status: number;
  readonly decision: 'allow' | 'refuse' | 'monitor' | 'error' | 'aborted';
  readonly code: string | undefined;
  /** What a refusing detector matched (truncated, never a credential); not sent to the client. */
  readonly evidence: string | undefined;
  readonly policy: string | undefined;
  readonly clientIp: string;
  readonly latencyMs: number;
  readonly upstreamMs: number | undefined;
  readonly monitored: readonly MonitoredRefusal[] | undefined;
  /** Decisions that refused nothing but are security events (data masked); absent when none. */
  readonly notable?: readonly NotableDecision[] | undefined;
  /** The authenticated consumer, when the request got that far. */
  readonly consumer?: string | undefined;
  /** The id of the API key used (never the key), for automatic revocation. */
  readonly keyId?: string | undefined;
  /** A per-process pseudonym of the username a login tried (src/platform/anomaly/login-capture.ts). */
  readonly loginUser?: string | undefined;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
// Rebuilt by the gateway from trusted facts; never passed through from the client.
const REBUILT_REQUEST = new Set([
  'host',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-real-ip',
  'x-request-id',
  'expect',
]);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

class BodyTooLargeError extends Error {
  readonly code = 'RAMPART_BODY_TOO_LARGE';
}

/** Why the gateway stopped an upstream exchange: its client went away. */
class ClientGoneError extends Error {
  readonly code = 'RAMPART_CLIENT_GONE';
}

/** The upstream answered with a status outside HTTP's 100–599. */
class InvalidStatusError extends Error {
  readonly code = 'RAMPART_UPSTREAM_INVALID_STATUS';
}

/** What every request of one listener shares: fixed at start, or cached across requests. */
interface Shared {
  readonly state: GatewayState;
  readonly listener: ListenerInfo;
  readonly logger: Logger;
  readonly recorder: RequestRecorder;
  readonly accessLog: boolean;
  readonly onRecord: ((record: AccessRecord) => void) | undefined;
  /** The gateway's own response headers (after x-request-id), name and value in turn. */
  readonly security: readonly string[];
  /** The set `skip` was built from; rebuilt when a reload swaps state.removeResponseHeaders. */
  skipFor: ReadonlySet<string> | undefined;
  /** Upstream response headers never passed on: hop-by-hop, configured removals, the gateway's own. */
  skip: ReadonlySet<string>;
  /** The last Forwarded value built, for the client facts it was built from (one client, many requests). */
  forwarded: { ip: string; proto: string; host: string; value: string } | undefined;
}

// The exchange of a response, found from the response in its event listeners: one shared listener
// function for every request instead of a closure each.
const EXCHANGE = Symbol('rampart.exchange');
type TaggedResponse = ServerResponse & { [EXCHANGE]?: Exchange };

function onResponseClose(this: ServerResponse): void {
  (this as TaggedResponse)[EXCHANGE]?.closed();
}

function onResponseDrain(this: ServerResponse): void {
  (this as TaggedResponse)[EXCHANGE]?.drained();
}

/** Build the request handler for one listener. It reads `state` per request, so reloads take effect at once. */
export function createHandler(state: GatewayState, listener: ListenerInfo, deps: HandlerDeps) {
  const { logger, metrics } = deps;
  const security = [
    'x-content-type-options',
    'nosniff',
    'x-frame-options',
    'DENY',
    'content-security-policy',
    "default-src 'none'; frame-ancestors 'none'",
    'referrer-policy',
    'no-referrer',
  ];
  if (listener.hsts !== undefined) security.push('strict-transport-security', listener.hsts);
  const shared: Shared = {
    state,
    listener,
    logger,
    recorder: createRequestRecorder(metrics),
    accessLog: state.plan.config.log.access,
    onRecord: deps.onRecord,
    security,
    skipFor: undefined,
    skip: HOP_BY_HOP,
    forwarded: undefined,
  };
  // the gauge reads the count when scraped: nothing to update per request
  metrics.inFlightSources.add(state);

  return function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const exchange = new Exchange(shared, req, res);
    (res as TaggedResponse)[EXCHANGE] = exchange;
    res.on('close', onResponseClose);
    exchange.run();
  };
}

/**
 * One request from arrival to the end of its response: its facts, the decisions about it, and the
 * undici handler of its upstream call. One object per request, with methods instead of closures.
 */
class Exchange implements Dispatcher.DispatchHandler, MonitorSink {
  readonly #sh: Shared;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #start: number;
  readonly #plan: Plan;
  readonly #requestId: string;
  readonly #client: ClientInfo;
  readonly #method: string;

  #route: CompiledRoute | undefined = undefined;
  #path = '';
  #status = 0;
  #decision: AccessRecord['decision'] = 'allow';
  #code: string | undefined = undefined;
  #evidence: string | undefined = undefined;
  #policy: string | undefined = undefined;
  #upstreamMs: number | undefined = undefined;
  #monitored: MonitoredRefusal[] | undefined = undefined;
  #notable: NotableDecision[] | undefined = undefined;
  #extra: [string, string][] = [];
  #ctx: RequestContext | undefined = undefined;
  /** The client went away before its response was complete. */
  #aborted = false;

  // what the proxy step needs once the phases are done
  #forwardPath = '';
  #chunked = false;
  #declaredLength = -1;

  // the upstream exchange
  #upstream: Upstream | undefined = undefined;
  #upstreamStart = 0;
  #controller: Dispatcher.DispatchController | null = null;
  #answered = false;
  #held: HeldResponse | undefined = undefined;
  #drainListening = false;
  /** The upstream's declared body length, until the first chunk comes; -1 when unknown. */
  #bodyLeft = -1;
  /** The body came whole in its first chunk and the response is already ended. */
  #sentWhole = false;

  constructor(sh: Shared, req: IncomingMessage, res: ServerResponse) {
    this.#sh = sh;
    this.#req = req;
    this.#res = res;
    this.#start = performance.now();
    const plan = sh.state.plan;
    this.#plan = plan;
    const incomingId = req.headers['x-request-id'];
    this.#requestId =
      typeof incomingId === 'string' && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    this.#client = resolveClient(req, sh.listener.secure, plan.trustedProxies, plan.hasTrustedProxies);
    this.#method = req.method ?? 'GET';
    sh.state.inFlight++;
  }

  /** The response is closed, finished or not: count, hooks, metrics, access record. */
  closed(): void {
    const sh = this.#sh;
    const res = this.#res;
    sh.state.inFlight--;
    if (!res.writableFinished) {
      this.#aborted = true;
      this.#controller?.abort(new ClientGoneError('the client closed the connection'));
      if (this.#decision === 'allow') this.#decision = 'aborted';
    }
    const latencyMs = performance.now() - this.#start;
    const finalStatus = this.#status || res.statusCode;
    const ctx = this.#ctx;
    if (ctx?.onResponse !== undefined) {
      try {
        ctx.onResponse(finalStatus);
      } catch (err) {
        sh.logger.error({ err, requestId: this.#requestId, msg: 'response hook failed' });
      }
    }
    const route = this.#route;
    sh.recorder.request(route, finalStatus, this.#decision, latencyMs / 1000);
    if (!sh.accessLog && sh.onRecord === undefined) return;
    const upstreamMs = this.#upstreamMs;
    const identity = ctx?.identity;
    const record: AccessRecord = {
      requestId: this.#requestId,
      method: this.#method,
      path: this.#path,
      api: route?.api.name,
      route: route?.id,
      status: finalStatus,
      decision: this.#decision,
      code: this.#code,
      evidence: this.#evidence,
      policy: this.#policy,
      clientIp: this.#client.ip,
      latencyMs: Math.round(latencyMs * 1000) / 1000,
      upstreamMs: upstreamMs === undefined ? undefined : Math.round(upstreamMs * 1000) / 1000,
      monitored: this.#monitored,
      notable: this.#notable,
      consumer: identity?.consumer,
      keyId: identity?.keyId,
      loginUser: ctx?.facts.loginUser as string | undefined,
    };
    if (sh.accessLog) sh.logger.info({ msg: 'request', ...record });
    sh.onRecord?.(record);
  }

  /** The client's socket can take more: let the upstream body flow again. */
  drained(): void {
    this.#controller?.resume();
  }

  run(): void {
    try {
      this.#handle();
    } catch (err) {
      this.#internalError(err);
    }
  }

  #handle(): void {
    const req = this.#req;
    const plan = this.#plan;
    const sh = this.#sh;
    // Framing: one pass over the raw headers, before anything reads the body.
    const raw = req.rawHeaders;
    if (raw.length / 2 > plan.config.limits.maxHeaders)
      return this.#sendRefusal(refuse('request.headers.too_many'), true);
    let contentLengths = 0;
    let transferEncoding: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 14 && name.toLowerCase() === 'content-length') contentLengths++;
      else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
        transferEncoding = transferEncoding === undefined ? raw[i + 1]! : `${transferEncoding},${raw[i + 1]}`;
      }
    }
    if (contentLengths > 1)
      return this.#sendRefusal(refuse('request.smuggling', 'duplicate Content-Length'), true);
    if (transferEncoding !== undefined) {
      if (contentLengths > 0) {
        return this.#sendRefusal(
          refuse('request.smuggling', 'both Content-Length and Transfer-Encoding'),
          true,
        );
      }
      if (transferEncoding.trim().toLowerCase() !== 'chunked') {
        return this.#sendRefusal(refuse('request.smuggling', 'unsupported Transfer-Encoding'), true);
      }
    }

    const target = normalizeTarget(req.url ?? '/', sh.state.pathOptions);
    if (!target.ok) return this.#sendRefusal(refuse(target.code, target.detail), true);
    this.#path = target.path;
    if (target.redirect) {
      this.#status = 308;
      const h = this.#baseHeaders();
      h.location = target.query === '' ? target.path : `${target.path}?${target.query}`;
      h['content-length'] = '0';
      this.#res.writeHead(308, h);
      this.#res.end();
      return;
    }

    const method = this.#method;
    const match = plan.router.match(method, target.path);
    const origin = req.headers.origin;
    const preflightMethod = req.headers['access-control-request-method'];
    if (method === 'OPTIONS' && origin !== undefined && typeof preflightMethod === 'string') {
      return this.#preflight(origin, preflightMethod, target.path);
    }
    if (match.kind === 'none') return this.#sendRefusal(refuse('route.undeclared', 'no such operation'));
    if (match.kind === 'method') {
      return this.#sendRefusal(
        refuse('route.method_not_allowed', `${method} is not declared for this path`, {
          allow: match.allow.join(', '),
        }),
      );
    }
    const route = match.route;
    this.#route = route;
    const cors = route.api.cors;
    if (cors !== undefined) this.#extra = corsResponseHeaders(cors, origin);
    if (route.authenticated) this.#extra.push(['cache-control', 'no-store']);

    // Bodies: refuse a declared length over the cap now; count a chunked one while streaming.
    const declared = req.headers['content-length'];
    const declaredLength = declared === undefined ? -1 : Number(declared);
    if (declaredLength > route.maxBodyBytes) {
      return this.#sendRefusal(refuse('request.body.too_large'), true);
    }
    this.#declaredLength = declaredLength;
    this.#chunked = transferEncoding !== undefined;

    const ctx: RequestContext = {
      req,
      requestId: this.#requestId,
      path: target.path,
      query: target.query,
      params: match.params,
      clientIp: this.#client.ip,
      secure: sh.listener.secure,
      facts: Object.create(null) as Record<string, unknown>,
      // present from the start, so every context has one shape whatever the phases set
      identity: undefined,
      securityAlternative: undefined,
      forwardQuery: undefined,
      responseHeaders: this.#extra,
      upstreamHeaders: [],
    };
    this.#ctx = ctx;
    this.#forwardPath = plan.config.paths.caseSensitive ? target.path : canonicalCase(route, target.path);
    if (route.phases === null) return this.#proxy(target.query);
    const result = runPhases(route.phases, ctx, this);
    if (result instanceof Promise) {
      result.then(
        (r) => this.#afterPhases(r),
        (err: unknown) => this.#internalError(err),
      );
    } else this.#afterPhases(result);
  }

  /** A monitor-mode refusal from the phases (runPhases' sink): the array exists only once one comes. */
  push(refusal: MonitoredRefusal): void {
    if (this.#monitored === undefined) this.#monitored = [];
    this.#monitored.push(refusal);
  }

  #afterPhases({ verdict, policy: p }: PhaseResult): void {
    try {
      const monitored = this.#monitored;
      if (monitored !== undefined && monitored.length > 0) {
        this.#decision = 'monitor';
        this.#policy = monitored[0]!.policy;
        this.#code = monitored[0]!.refusal.code;
      }
      if (verdict.kind === 'refuse') {
        this.#policy = p;
        return this.#sendRefusal(verdict.refusal);
      }
      if (verdict.kind === 'respond') {
        this.#policy = p;
        this.#status = verdict.status;
        const h = { ...this.#baseHeaders(), ...verdict.headers };
        this.#res.writeHead(verdict.status, h);
        this.#res.end(verdict.body);
        return;
      }
      // a policy may remove credentials from the query (authn: API keys read from it)
      const ctx = this.#ctx!;
      this.#proxy(ctx.forwardQuery ?? ctx.query);
    } catch (err) {
      this.#internalError(err);
    }
  }

  /** The gateway's own headers on every answer, in a record with no inherited members (header-record.ts). */
  #baseHeaders(): Record<string, string | string[]> {
    const h = headerRecord();
    h['x-request-id'] = this.#requestId;
    const security = this.#sh.security;
    for (let i = 0; i < security.length; i += 2) h[security[i]!] = security[i + 1]!;
    if (this.#sh.state.draining) h.connection = 'close';
    for (const [k, v] of this.#extra) h[k] = v;
    return h;
  }

  #sendRefusal(refusal: Refusal, closeConnection = false): void {
    const info = REFUSALS[refusal.code];
    this.#status = info.status;
    this.#code = refusal.code;
    this.#evidence = refusal.evidence;
    if (this.#decision === 'allow' || this.#decision === 'monitor')
      this.#decision = info.status >= 500 ? 'error' : 'refuse';
    const res = this.#res;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = problemBody(refusal, this.#requestId);
    const h = this.#baseHeaders();
    h['content-type'] = 'application/problem+json';
    h['cache-control'] = 'no-store';
    h['content-length'] = String(Buffer.byteLength(body));
    if (closeConnection) h.connection = 'close';
    if (refusal.headers !== undefined)
      for (const [k, v] of Object.entries(refusal.headers)) h[k.toLowerCase()] = v;
    res.writeHead(info.status, h);
    res.end(body);
  }

  #internalError(err: unknown): void {
    this.#sh.logger.error({ err, requestId: this.#requestId, msg: 'internal error' });
    this.#decision = 'error';
    this.#sendRefusal(refuse('internal.error'));
  }

  #preflight(origin: string, requested: string, canonicalPath: string): void {
    const router = this.#plan.router;
    const m = router.match(requested.toUpperCase(), canonicalPath);
    const api = m.kind === 'found' ? m.route.api : undefined;
    if (m.kind === 'found') this.#route = m.route;
    if (api?.cors === undefined || !originAllowed(api.cors, origin)) {
      return this.#sendRefusal(refuse('cors.denied', 'origin or method not allowed'));
    }
    const declared = router.match('\u0000', canonicalPath);
    const allow = declared.kind === 'method' ? [...declared.allow] : [];
    this.#status = 204;
    const h = this.#baseHeaders();
    for (const [k, v] of corsPreflightHeaders(api.cors, origin, allow)) h[k] = v;
    h['content-length'] = '0';
    this.#res.writeHead(204, h);
    this.#res.end();
  }

  /** Forward the request upstream; this object is undici's handler of the exchange. */
  #proxy(query: string): void {
    // the client left while the policies ran: nobody is waiting for the answer
    if (this.#aborted) return;
    const sh = this.#sh;
    const r = this.#route!;
    const req = this.#req;
    const ctx = this.#ctx!;
    const upstream = sh.state.upstreams.get(r.api.upstream)!;
    this.#upstream = upstream;
    const headers: string[] = [];
    const raw = req.rawHeaders;
    const connectionTokens = connectionListed(req.headers.connection);
    // a policy that read (and maybe rewrote) the body forwards those bytes with their own length
    const buffered = ctx.body;
    const consumed = ctx.consumedHeaders;
    // a filter may read the response: ask for it uncompressed (ModSecurity's SecDisableBackendCompression)
    const filtered = ctx.responseFilters !== undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || REBUILT_REQUEST.has(lower)) continue;
      if (filtered && lower === 'accept-encoding') continue;
      if (consumed?.includes(lower)) continue;
      if (buffered !== undefined && lower === 'content-length') continue;
      // x-rampart-* carry facts the gateway established (identity, scopes): no client may send them
      if (lower.startsWith('x-rampart-')) continue;
      if (connectionTokens?.has(lower)) continue;
      headers.push(name, raw[i + 1]!);
    }
    const client = this.#client;
    headers.push('x-forwarded-for', client.forwardedFor, 'x-forwarded-proto', client.proto);
    if (client.host !== '') headers.push('x-forwarded-host', client.host);
    headers.push('forwarded', this.#forwarded(client), 'x-request-id', this.#requestId);
    const extra = ctx.upstreamHeaders;
    for (let i = 0; i < extra.length; i++) headers.push(extra[i]![0], extra[i]![1]);
    if (buffered !== undefined) headers.push('content-length', String(buffered.byteLength));
    if (filtered) headers.push('accept-encoding', 'identity');

    let body: Readable | Buffer | null = null;
    if (buffered !== undefined) body = buffered;
    else if (this.#chunked) body = Readable.from(countBytes(req, r.maxBodyBytes), { objectMode: false });
    else if (this.#declaredLength > 0) body = req;

    this.#upstreamStart = performance.now();
    upstream.pool.dispatch(
      {
        path: query === '' ? this.#forwardPath : `${this.#forwardPath}?${query}`,
        method: this.#method as Dispatcher.HttpMethod,
        headers,
        body,
        headersTimeout: r.timeoutMs,
        bodyTimeout: upstream.bodyTimeoutMs,
      },
      this,
    );
  }

  #forwarded(client: ClientInfo): string {
    const last = this.#sh.forwarded;
    if (
      last !== undefined &&
      last.ip === client.ip &&
      last.proto === client.proto &&
      last.host === client.host
    )
      return last.value;
    const value = forwardedHeader(client);
    this.#sh.forwarded = { ip: client.ip, proto: client.proto, host: client.host, value };
    return value;
  }

  // undici's dispatch handler ------------------------------------------------------------------

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#aborted) controller.abort(new ClientGoneError('the client closed the connection'));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    upstreamHeaders: Record<string, string | string[] | undefined>,
  ): void {
    // interim 1xx answers are the upstream's business: the client gets the final one
    if (statusCode < 200) return;
    // RFC 9110 §15: a status past 599 is invalid, and a client treats it as a 5xx; this one sends 502
    if (statusCode > 599) {
      controller.abort(new InvalidStatusError(`status ${statusCode}`));
      return;
    }
    this.#answered = true;
    const upstream = this.#upstream!;
    this.#upstreamMs = performance.now() - this.#upstreamStart;
    this.#sh.recorder.upstream(upstream.name, this.#upstreamMs / 1000);
    const res = this.#res;
    this.#status = statusCode;
    const filters = this.#ctx?.responseFilters;
    if (filters !== undefined) {
      const h = this.#responseHeaderRecord(upstreamHeaders);
      const coded = takeCoding(h);
      const held = this.#holdResponse(statusCode, h, filters, coded);
      if (held !== undefined) {
        this.#held = held;
        // a coding the gateway cannot decode: the filters get no body to read
        if (coded?.coding === 'unknown' && this.#unseen(held, 'unreadable'))
          controller.abort(new ClientGoneError('response refused: a coding the gateway cannot read'));
        return;
      }
      if (coded !== undefined) restoreCoding(h, coded);
      res.writeHead(statusCode, headerList(h));
    } else {
      // the body streams straight into the client's response: no intermediate stream
      res.writeHead(statusCode, this.#responseHeaderList(upstreamHeaders));
    }
    const length = upstreamHeaders['content-length'];
    if (typeof length === 'string' && this.#method !== 'HEAD') this.#bodyLeft = Number(length) || -1;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#aborted) return;
    const h = this.#held;
    // bytes past a body already sent whole: the upstream broke its own length; undici reports it
    if (this.#sentWhole) return;
    if (h === undefined) {
      // a body that arrives whole in one chunk (most small answers) goes out with end(): one
      // write, without the cork and the extra tick of write() then end()
      if (this.#bodyLeft === chunk.byteLength) {
        this.#bodyLeft = -1;
        this.#sentWhole = true;
        this.#res.end(chunk);
        return;
      }
      this.#bodyLeft = -1;
      if (!this.#res.write(chunk)) this.#pause(controller);
      return;
    }
    if (h.state === 'stream') {
      if (!this.#res.write(chunk)) this.#pause(controller);
      return;
    }
    if (h.state === 'done') return;
    h.size += chunk.byteLength;
    if (h.size <= h.max) {
      h.chunks.push(chunk);
      return;
    }
    // past every cap: the first filter that refuses an unseen body wins; else it streams on
    if (this.#unseen(h, 'over-cap')) {
      // the rest of the body is not wanted: stop reading it
      controller.abort(new ClientGoneError('response refused past its cap'));
      return;
    }
    if (!this.#res.write(chunk)) this.#pause(controller);
  }

  /**
   * The filters cannot see this body (past every cap, or in a coding the gateway cannot read): the
   * first filter that refuses such a body wins, and true is returned; else the head and what is
   * held go out as the upstream sent them, and the rest streams.
   */
  #unseen(h: HeldResponse, why: 'over-cap' | 'unreadable'): boolean {
    let refusal: Refusal | null = null;
    for (const x of h.holds) {
      refusal = why === 'over-cap' ? x.overflow : x.unreadable === undefined ? x.overflow : x.unreadable;
      if (refusal !== null) break;
    }
    if (refusal !== null) {
      h.state = 'done';
      h.chunks = [];
      this.#sendRefusal(refusal);
      return true;
    }
    const detail =
      why === 'over-cap' ? { maxBytes: h.max } : { contentEncoding: h.coded?.value ?? 'unknown' };
    this.#recordEvent({ policy: 'response', event: `${why}-passed`, detail });
    h.state = 'stream';
    const res = this.#res;
    if (h.coded !== undefined) restoreCoding(h.head.headers, h.coded);
    res.writeHead(h.head.status, headerList(h.head.headers));
    for (const c of h.chunks) res.write(c);
    h.chunks = [];
    return false;
  }

  onResponseEnd(): void {
    const held = this.#held;
    if (held === undefined || held.state === 'stream') {
      if (!this.#sentWhole) this.#res.end();
      return;
    }
    if (held.state === 'done') return;
    try {
      this.#releaseHeld(held);
    } catch (e) {
      this.#internalError(e);
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    if (this.#held?.state === 'done') return;
    const upstream = this.#upstream;
    if (!this.#answered && upstream !== undefined) {
      this.#upstreamMs = performance.now() - this.#upstreamStart;
      this.#sh.recorder.upstream(upstream.name, this.#upstreamMs / 1000);
    }
    this.#upstreamError(err);
  }

  #pause(controller: Dispatcher.DispatchController): void {
    controller.pause();
    if (!this.#drainListening) {
      this.#drainListening = true;
      this.#res.on('drain', onResponseDrain);
    }
  }

  /** The response head as a flat name/value list: the gateway's headers, then the upstream's that may pass. */
  #responseHeaderList(upstreamHeaders: Record<string, string | string[] | undefined>): OutgoingHttpHeader[] {
    const sh = this.#sh;
    const out: OutgoingHttpHeader[] = ['x-request-id', this.#requestId];
    const security = sh.security;
    for (let i = 0; i < security.length; i++) out.push(security[i]!);
    if (sh.state.draining) out.push('connection', 'close');
    const extra = this.#extra;
    // a policy's header replaces one of the same name, as in the record form
    for (let i = 0; i < extra.length; i++) setListed(out, extra[i]![0], extra[i]![1]);
    const skip = this.#skip();
    const upstreamConnection = connectionListed(upstreamHeaders.connection);
    for (const k in upstreamHeaders) {
      const v = upstreamHeaders[k];
      if (v === undefined || skip.has(k)) continue;
      if (upstreamConnection?.has(k)) continue;
      if (extra.length > 0 && namedIn(extra, k)) {
        // the gateway's own headers win over the upstream's, but for Vary, where the upstream's does
        if (k === 'vary') setListed(out, k, v);
        continue;
      }
      out.push(k, v);
    }
    return out;
  }

  /** The response head as a record, for filters that may rewrite it. */
  #responseHeaderRecord(
    upstreamHeaders: Record<string, string | string[] | undefined>,
  ): Record<string, string | string[]> {
    const h = this.#baseHeaders();
    const skip = this.#skip();
    const upstreamConnection = connectionListed(upstreamHeaders.connection);
    for (const k in upstreamHeaders) {
      const v = upstreamHeaders[k];
      if (v === undefined || skip.has(k)) continue;
      if (upstreamConnection?.has(k)) continue;
      // the gateway's own security headers win over the upstream's
      if (k in h && k !== 'vary') continue;
      h[k] = v;
    }
    return h;
  }

  /** Upstream headers dropped whatever the request: hop-by-hop, configured removals, the gateway's own. */
  #skip(): ReadonlySet<string> {
    const sh = this.#sh;
    const remove = sh.state.removeResponseHeaders;
    if (sh.skipFor !== remove) {
      const skip = new Set([...HOP_BY_HOP, ...remove, 'x-request-id']);
      for (let i = 0; i < sh.security.length; i += 2) skip.add(sh.security[i]!);
      sh.skip = skip;
      sh.skipFor = remove;
    }
    return sh.skip;
  }

  /**
   * Show the response head to the filters (they may rewrite headers) and, when one wants the body,
   * hold it up to the largest cap a filter asked for. Undefined: the body streams as it is.
   */
  #holdResponse(
    statusCode: number,
    headers: Record<string, string | string[]>,
    filters: readonly ResponseFilter[],
    coded: CodedHead | undefined,
  ): HeldResponse | undefined {
    const head: ResponseHead = {
      status: statusCode,
      headers,
      requestId: this.#requestId,
      method: this.#method,
      record: (e) => this.#recordEvent(e),
    };
    const holds: ResponseBodyHold[] = [];
    let max = 0;
    for (const f of filters) {
      const hold = f.head(head);
      if (hold === null) continue;
      holds.push(hold);
      if (hold.maxBytes > max) max = hold.maxBytes;
    }
    if (holds.length === 0) return undefined;
    return { head, holds, max, coded, chunks: [], size: 0, state: 'hold' };
  }

  /** Run the filters in order on a whole held body; send it (maybe replaced) or the first refusal. */
  #releaseHeld(h: HeldResponse): void {
    const res = this.#res;
    const headers = h.head.headers;
    let bytes = h.chunks.length === 1 ? h.chunks[0]! : Buffer.concat(h.chunks, h.size);
    const coded = h.coded;
    // a compressed body: the filters read what it carries, and that is what is sent
    let changed = false;
    if (coded !== undefined && coded.coding !== 'unknown') {
      const decoded = decodeBody(bytes, coded.coding, h.max);
      if (!decoded.ok) {
        if (!this.#unseen(h, decoded.reason === 'too-large' ? 'over-cap' : 'unreadable')) res.end();
        return;
      }
      bytes = decoded.bytes;
      changed = true;
    }
    const size = bytes.byteLength;
    const mediaType = mediaTypeEssence(headers['content-type']);
    const encoded = headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity';
    const body = new HeldBodyView(mediaType, encoded, bytes);
    for (const hold of h.holds) {
      if (size > hold.maxBytes) {
        if (hold.overflow !== null) return this.#sendRefusal(hold.overflow);
        continue;
      }
      const out: ResponseOutcome = hold.body(h.head, body);
      if (out.kind === 'pass') continue;
      if (out.kind === 'refuse') return this.#sendRefusal(out.refusal);
      if (out.kind === 'replace') {
        this.#status = out.status;
        const rh = this.#baseHeaders();
        for (const [k, v] of Object.entries(out.headers)) rh[k.toLowerCase()] = v;
        rh['content-length'] = String(Buffer.byteLength(out.body));
        res.writeHead(out.status, rh);
        res.end(out.body);
        return;
      }
      if (out.kind === 'body') {
        body.replaceBytes(out.body);
        changed = true;
        continue;
      }
      body.replaceJson(out.value);
      changed = true;
    }
    let out = body.bytes;
    if (changed) {
      if (body.jsonReplaced) out = Buffer.from(body.serialized(), 'utf8');
      // validators of the upstream's bytes no longer describe what is sent
      delete headers.etag;
      delete headers['content-md5'];
      delete headers.digest;
      delete headers['repr-digest'];
      delete headers['content-digest'];
    }
    headers['content-length'] = String(out.byteLength);
    res.writeHead(h.head.status, headerList(headers));
    res.end(out);
  }

  /** A response filter's decision the client does not see: logged, and counted as monitored when it is a refusal. */
  #recordEvent(e: ResponseEvent): void {
    this.#sh.logger.warn({
      msg: 'response filter',
      requestId: this.#requestId,
      route: this.#route?.label,
      policy: e.policy,
      event: e.event,
      ...(e.monitored === undefined ? {} : { code: e.monitored.code, evidence: e.monitored.evidence }),
      ...e.detail,
    });
    // bounded: one response has a handful of filters
    if (e.notable !== undefined && (this.#notable?.length ?? 0) < 16) {
      if (this.#notable === undefined) this.#notable = [];
      this.#notable.push(e.notable);
    }
    if (e.monitored !== undefined) {
      if (this.#monitored === undefined) this.#monitored = [];
      this.#monitored.push({ policy: e.policy, refusal: e.monitored });
      if (this.#decision === 'allow') {
        this.#decision = 'monitor';
        this.#policy = e.policy;
        this.#code = e.monitored.code;
      }
    }
  }

  #upstreamError(err: unknown): void {
    const errCode = (err as { code?: string }).code;
    if (this.#aborted || this.#res.destroyed) {
      this.#decision = 'aborted';
      return;
    }
    this.#sh.logger.warn({
      requestId: this.#requestId,
      upstreamError: errCode ?? String(err),
      msg: 'upstream request failed',
    });
    switch (errCode) {
      case 'RAMPART_BODY_TOO_LARGE':
        return this.#sendRefusal(refuse('request.body.too_large'), true);
      case 'UND_ERR_CONNECT_TIMEOUT':
      case 'UND_ERR_HEADERS_TIMEOUT':
      case 'UND_ERR_BODY_TIMEOUT':
        return this.#sendRefusal(refuse('upstream.timeout'));
      case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
        return this.#sendRefusal(
          refuse('request.malformed', 'body shorter or longer than Content-Length'),
          true,
        );
      case 'ECONNREFUSED':
      case 'ECONNRESET':
      case 'ENOTFOUND':
      case 'EHOSTUNREACH':
      case 'UND_ERR_SOCKET':
      case 'UND_ERR_CLOSED':
        return this.#sendRefusal(refuse('upstream.unavailable'));
      default:
        return this.#sendRefusal(refuse('upstream.error'));
    }
  }
}

/** A response held back until the response filters have seen its body. */
interface HeldResponse {
  readonly head: ResponseHead;
  readonly holds: readonly ResponseBodyHold[];
  /** The largest cap of the holds: nothing more is ever buffered, or decoded. */
  readonly max: number;
  /** The upstream's Content-Encoding, taken out of the head while the filters read the body. */
  readonly coded: CodedHead | undefined;
  chunks: Buffer[];
  size: number;
  /** hold: buffering; stream: past every cap, passing unfiltered; done: answered already (a refusal). */
  state: 'hold' | 'stream' | 'done';
}

/** Whether a header list has one of this name (a loop, no closure: runs per upstream header). */
function namedIn(list: readonly (readonly [string, string])[], name: string): boolean {
  for (let i = 0; i < list.length; i++) if (list[i]![0] === name) return true;
  return false;
}

/** Set a header in a flat name/value list: replace the value of the same name, else append. */
function setListed(list: OutgoingHttpHeader[], name: string, value: string | string[]): void {
  for (let i = 0; i < list.length; i += 2) {
    if (list[i] === name) {
      list[i + 1] = value;
      return;
    }
  }
  list.push(name, value);
}

function connectionListed(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const v = Array.isArray(value) ? value.join(',') : value;
  if (v === 'keep-alive' || v === 'close') return undefined;
  return new Set(
    v
      .split(',', 64)
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ''),
  );
}

/** Stream a chunked request body upstream, failing once it passes the cap. */
async function* countBytes(req: IncomingMessage, max: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > max) throw new BodyTooLargeError('request body over the cap');
    yield chunk;
  }
}

/** With case-insensitive routing, forward the template's spelling of literal segments. */
function canonicalCase(route: CompiledRoute, path: string): string {
  if (route.passthrough) return path;
  const tpl = route.template === '/' ? [] : route.template.slice(1).split('/');
  const segs = path === '/' ? [] : path.slice(1).split('/');
  return `/${segs.map((s, i) => (tpl[i] !== undefined && !tpl[i]!.includes('{') ? tpl[i]! : s)).join('/')}`;
}
