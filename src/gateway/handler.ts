import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Readable, Writable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { problemBody, REFUSALS, type Refusal, refuse } from '../errors.ts';
import type { Logger } from '../platform/logger.ts';
import { createRequestRecorder, type GatewayMetrics } from '../platform/metrics.ts';
import { corsPreflightHeaders, corsResponseHeaders, originAllowed } from '../policies/cors.ts';
import { forwardedHeader, resolveClient } from './forwarded.ts';
import { normalizeTarget, type PathOptions } from './normalize-path.ts';
import {
  type HeldBody,
  isJsonMediaType,
  type MonitoredRefusal,
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

/** Build the request handler for one listener. It reads `state` per request, so reloads take effect at once. */
export function createHandler(state: GatewayState, listener: ListenerInfo, deps: HandlerDeps) {
  const { logger, metrics } = deps;
  const recorder = createRequestRecorder(metrics);
  const accessLog = state.plan.config.log.access;

  return function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const start = performance.now();
    const plan = state.plan;
    const incomingId = req.headers['x-request-id'];
    const requestId =
      typeof incomingId === 'string' && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    const client = resolveClient(req, listener.secure, plan.trustedProxies, plan.hasTrustedProxies);
    const method = req.method ?? 'GET';
    state.inFlight++;
    metrics.inFlight.inc();

    let route: CompiledRoute | undefined;
    let path = '';
    let status = 0;
    let decision: AccessRecord['decision'] = 'allow';
    let code: string | undefined;
    let evidence: string | undefined;
    let policy: string | undefined;
    let upstreamMs: number | undefined;
    let monitored: MonitoredRefusal[] | undefined;
    let extra: [string, string][] = [];
    let ctxRef: RequestContext | undefined;
    // undici accepts an EventEmitter as its abort signal: cheaper than an AbortController per request
    const abort = new EventEmitter();
    let aborted = false;

    res.once('close', () => {
      state.inFlight--;
      metrics.inFlight.dec();
      if (!res.writableFinished) {
        aborted = true;
        abort.emit('abort');
        if (decision === 'allow') decision = 'aborted';
      }
      const latencyMs = performance.now() - start;
      const finalStatus = status || res.statusCode;
      if (ctxRef?.onResponse !== undefined) {
        try {
          ctxRef.onResponse(finalStatus);
        } catch (err) {
          logger.error({ err, requestId, msg: 'response hook failed' });
        }
      }
      const apiName = route?.api.name;
      const routeId = route?.id;
      recorder.request(apiName ?? '', routeId ?? '(none)', finalStatus, decision, latencyMs / 1000);
      const record: AccessRecord = {
        requestId,
        method,
        path,
        api: apiName,
        route: routeId,
        status: finalStatus,
        decision,
        code,
        evidence,
        policy,
        clientIp: client.ip,
        latencyMs: Math.round(latencyMs * 1000) / 1000,
        upstreamMs: upstreamMs === undefined ? undefined : Math.round(upstreamMs * 1000) / 1000,
        monitored,
        consumer: (ctxRef?.facts.identity as { consumer?: string } | undefined)?.consumer,
        keyId: (ctxRef?.facts.identity as { keyId?: string } | undefined)?.keyId,
        loginUser: ctxRef?.facts.loginUser as string | undefined,
      };
      if (accessLog) logger.info({ msg: 'request', ...record });
      deps.onRecord?.(record);
    });

    const baseHeaders = (): Record<string, string | string[]> => {
      const h: Record<string, string | string[]> = Object.create(null);
      h['x-request-id'] = requestId;
      h['x-content-type-options'] = 'nosniff';
      h['x-frame-options'] = 'DENY';
      h['content-security-policy'] = "default-src 'none'; frame-ancestors 'none'";
      h['referrer-policy'] = 'no-referrer';
      if (listener.hsts !== undefined) h['strict-transport-security'] = listener.hsts;
      if (state.draining) h.connection = 'close';
      for (const [k, v] of extra) h[k] = v;
      return h;
    };

    const sendRefusal = (refusal: Refusal, closeConnection = false): void => {
      const info = REFUSALS[refusal.code];
      status = info.status;
      code = refusal.code;
      evidence = refusal.evidence;
      if (decision === 'allow' || decision === 'monitor') decision = info.status >= 500 ? 'error' : 'refuse';
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = problemBody(refusal, requestId);
      const h = baseHeaders();
      h['content-type'] = 'application/problem+json';
      h['cache-control'] = 'no-store';
      h['content-length'] = String(Buffer.byteLength(body));
      if (closeConnection) h.connection = 'close';
      if (refusal.headers !== undefined)
        for (const [k, v] of Object.entries(refusal.headers)) h[k.toLowerCase()] = v;
      res.writeHead(info.status, h);
      res.end(body);
    };

    try {
      // Framing: one pass over the raw headers, before anything reads the body.
      const raw = req.rawHeaders;
      if (raw.length / 2 > plan.config.limits.maxHeaders)
        return sendRefusal(refuse('request.headers.too_many'), true);
      let contentLengths = 0;
      let transferEncoding: string | undefined;
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i]!;
        if (name.length === 14 && name.toLowerCase() === 'content-length') contentLengths++;
        else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
          transferEncoding =
            transferEncoding === undefined ? raw[i + 1]! : `${transferEncoding},${raw[i + 1]}`;
        }
      }
      if (contentLengths > 1)
        return sendRefusal(refuse('request.smuggling', 'duplicate Content-Length'), true);
      if (transferEncoding !== undefined) {
        if (contentLengths > 0) {
          return sendRefusal(refuse('request.smuggling', 'both Content-Length and Transfer-Encoding'), true);
        }
        if (transferEncoding.trim().toLowerCase() !== 'chunked') {
          return sendRefusal(refuse('request.smuggling', 'unsupported Transfer-Encoding'), true);
        }
      }

      const target = normalizeTarget(req.url ?? '/', state.pathOptions);
      if (!target.ok) return sendRefusal(refuse(target.code, target.detail), true);
      path = target.path;
      if (target.redirect) {
        status = 308;
        const h = baseHeaders();
        h.location = target.query === '' ? target.path : `${target.path}?${target.query}`;
        h['content-length'] = '0';
        res.writeHead(308, h);
        res.end();
        return;
      }

      const match = plan.router.match(method, target.path);
      const origin = req.headers.origin;
      const preflightMethod = req.headers['access-control-request-method'];
      if (method === 'OPTIONS' && origin !== undefined && typeof preflightMethod === 'string') {
        return preflight(origin, preflightMethod, target.path);
      }
      if (match.kind === 'none') return sendRefusal(refuse('route.undeclared', 'no such operation'));
      if (match.kind === 'method') {
        return sendRefusal(
          refuse('route.method_not_allowed', `${method} is not declared for this path`, {
            allow: match.allow.join(', '),
          }),
        );
      }
      route = match.route;
      const cors = route.api.cors;
      if (cors !== undefined) extra = corsResponseHeaders(cors, origin);
      if (route.authenticated) extra.push(['cache-control', 'no-store']);

      // Bodies: refuse a declared length over the cap now; count a chunked one while streaming.
      const declared = req.headers['content-length'];
      const declaredLength = declared === undefined ? -1 : Number(declared);
      if (declaredLength > route.maxBodyBytes) {
        return sendRefusal(refuse('request.body.too_large'), true);
      }

      const facts: Record<string, unknown> = Object.create(null);
      const ctx: RequestContext = {
        req,
        requestId,
        path: target.path,
        query: target.query,
        params: match.params,
        clientIp: client.ip,
        secure: listener.secure,
        facts,
        responseHeaders: extra,
        upstreamHeaders: [],
      };
      ctxRef = ctx;
      const forwardPath = plan.config.paths.caseSensitive ? target.path : canonicalCase(route, target.path);
      if (route.phases !== null) {
        monitored = [];
        const afterPhases = ({ verdict, policy: p }: PhaseResult): void => {
          if (monitored !== undefined && monitored.length > 0) {
            decision = 'monitor';
            policy = monitored[0]!.policy;
            code = monitored[0]!.refusal.code;
          } else monitored = undefined;
          if (verdict.kind === 'refuse') {
            policy = p;
            return sendRefusal(verdict.refusal);
          }
          if (verdict.kind === 'respond') {
            policy = p;
            status = verdict.status;
            const h = { ...baseHeaders(), ...verdict.headers };
            res.writeHead(verdict.status, h);
            res.end(verdict.body);
            return;
          }
          proxy(
            route!,
            forwardPath,
            // a policy may remove credentials from the query (authn: API keys read from it)
            typeof ctx.facts.forwardQuery === 'string' ? ctx.facts.forwardQuery : target.query,
            transferEncoding !== undefined,
            declaredLength,
            ctx.upstreamHeaders,
          );
        };
        const result = runPhases(route.phases, ctx, monitored);
        if (result instanceof Promise) result.then(afterPhases, (err: unknown) => internalError(err));
        else afterPhases(result);
        return;
      }
      proxy(
        route,
        forwardPath,
        target.query,
        transferEncoding !== undefined,
        declaredLength,
        ctx.upstreamHeaders,
      );
    } catch (err) {
      internalError(err);
    }

    function internalError(err: unknown): void {
      logger.error({ err, requestId, msg: 'internal error' });
      decision = 'error';
      sendRefusal(refuse('internal.error'));
    }

    function preflight(origin: string, requested: string, canonicalPath: string): void {
      const m = plan.router.match(requested.toUpperCase(), canonicalPath);
      const api = m.kind === 'found' ? m.route.api : undefined;
      if (m.kind === 'found') route = m.route;
      if (api?.cors === undefined || !originAllowed(api.cors, origin)) {
        return sendRefusal(refuse('cors.denied', 'origin or method not allowed'));
      }
      const allow = declaredMethods(canonicalPath);
      status = 204;
      const h = baseHeaders();
      for (const [k, v] of corsPreflightHeaders(api.cors, origin, allow)) h[k] = v;
      h['content-length'] = '0';
      res.writeHead(204, h);
      res.end();
    }

    function declaredMethods(canonicalPath: string): string[] {
      const m = plan.router.match('\u0000', canonicalPath);
      return m.kind === 'method' ? [...m.allow] : [];
    }

    function proxy(
      r: CompiledRoute,
      forwardPath: string,
      query: string,
      chunked: boolean,
      declaredLength: number,
      added: readonly [string, string][],
    ): void {
      const upstream = state.upstreams.get(r.api.upstream)!;
      const headers: string[] = [];
      const raw = req.rawHeaders;
      const connectionTokens = connectionListed(req.headers.connection);
      // a policy that read (and maybe rewrote) the body forwards those bytes with their own length
      const buffered = ctxRef?.body;
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i]!;
        const lower = name.toLowerCase();
        if (HOP_BY_HOP.has(lower) || REBUILT_REQUEST.has(lower)) continue;
        if (buffered !== undefined && lower === 'content-length') continue;
        // x-rampart-* carry facts the gateway established (identity, scopes): no client may send them
        if (lower.startsWith('x-rampart-')) continue;
        if (connectionTokens?.has(lower)) continue;
        headers.push(name, raw[i + 1]!);
      }
      headers.push('x-forwarded-for', client.forwardedFor, 'x-forwarded-proto', client.proto);
      if (client.host !== '') headers.push('x-forwarded-host', client.host);
      headers.push('forwarded', forwardedHeader(client), 'x-request-id', requestId);
      for (const [k, v] of added) headers.push(k, v);
      if (buffered !== undefined) headers.push('content-length', String(buffered.byteLength));

      let body: Readable | Buffer | null = null;
      if (buffered !== undefined) body = buffered;
      else if (chunked) body = Readable.from(countBytes(req, r.maxBodyBytes), { objectMode: false });
      else if (declaredLength > 0) body = req;

      const upstreamStart = performance.now();
      let answered = false;
      let held: HeldResponse | undefined;
      upstream.pool.stream(
        {
          path: query === '' ? forwardPath : `${forwardPath}?${query}`,
          method: method as Dispatcher.HttpMethod,
          headers,
          body,
          headersTimeout: r.timeoutMs,
          bodyTimeout: upstream.bodyTimeoutMs,
          signal: abort,
        },
        ({ statusCode, headers: upstreamHeaders }) => {
          answered = true;
          upstreamMs = performance.now() - upstreamStart;
          recorder.upstream(upstream.name, upstreamMs / 1000);
          const filters = ctxRef?.responseFilters;
          const h = responseHeaders(statusCode, upstreamHeaders);
          if (filters !== undefined) {
            held = holdResponse(statusCode, h, filters);
            if (held !== undefined) return held.sink;
          }
          // the body streams straight into the client's response: no intermediate stream
          res.writeHead(statusCode, h);
          return res;
        },
        (err) => {
          if (held?.state === 'done') return;
          if (err === null) {
            if (held === undefined) return;
            if (held.state === 'stream') res.end();
            else {
              try {
                releaseHeld(held);
              } catch (e) {
                internalError(e);
              }
            }
            return;
          }
          if (!answered) {
            upstreamMs = performance.now() - upstreamStart;
            recorder.upstream(upstream.name, upstreamMs / 1000);
          }
          upstreamError(err);
        },
      );
    }

    function responseHeaders(
      statusCode: number,
      upstreamHeaders: Record<string, string | string[] | undefined>,
    ): Record<string, string | string[]> {
      status = statusCode;
      const h = baseHeaders();
      const upstreamConnection = connectionListed(upstreamHeaders.connection);
      for (const k in upstreamHeaders) {
        const v = upstreamHeaders[k];
        if (v === undefined || HOP_BY_HOP.has(k) || state.removeResponseHeaders.has(k)) continue;
        if (upstreamConnection?.has(k)) continue;
        // the gateway's own security headers win over the upstream's
        if (k in h && k !== 'vary') continue;
        h[k] = v;
      }
      return h;
    }

    /**
     * Show the response head to the filters (they may rewrite headers) and, when one wants the body,
     * hold it up to the largest cap a filter asked for. Undefined: the body streams as it is.
     */
    function holdResponse(
      statusCode: number,
      headers: Record<string, string | string[]>,
      filters: readonly ResponseFilter[],
    ): HeldResponse | undefined {
      const head: ResponseHead = { status: statusCode, headers, requestId, method, record: recordEvent };
      const holds: ResponseBodyHold[] = [];
      let max = 0;
      for (const f of filters) {
        const hold = f.head(head);
        if (hold === null) continue;
        holds.push(hold);
        if (hold.maxBytes > max) max = hold.maxBytes;
      }
      if (holds.length === 0) return undefined;
      const h: HeldResponse = {
        head,
        holds,
        max,
        chunks: [],
        size: 0,
        state: 'hold',
        sink: undefined as never,
      };
      const forward = (chunk: Buffer, cb: () => void): void => {
        if (res.write(chunk)) cb();
        else res.once('drain', cb);
      };
      h.sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          if (h.state === 'done') return cb();
          if (h.state === 'stream') return forward(chunk, () => cb());
          h.size += chunk.byteLength;
          if (h.size <= h.max) {
            h.chunks.push(chunk);
            return cb();
          }
          // past every cap: the first filter that refuses an unseen body wins; else it streams on
          const refusal = h.holds.find((x) => x.overflow !== null)?.overflow;
          if (refusal != null) {
            h.state = 'done';
            h.chunks = [];
            sendRefusal(refusal);
            cb();
            // the rest of the body is not wanted: stop reading it
            abort.emit('abort');
            return;
          }
          recordEvent({ policy: 'response', event: 'over-cap-passed', detail: { maxBytes: h.max } });
          h.state = 'stream';
          res.writeHead(statusCode, headers);
          for (const c of h.chunks) res.write(c);
          h.chunks = [];
          forward(chunk, () => cb());
        },
      });
      return h;
    }

    /** Run the filters in order on a whole held body; send it (maybe replaced) or the first refusal. */
    function releaseHeld(h: HeldResponse): void {
      const headers = h.head.headers;
      const bytes = h.chunks.length === 1 ? h.chunks[0]! : Buffer.concat(h.chunks, h.size);
      const mediaType = String(headers['content-type'] ?? '')
        .split(';', 1)[0]!
        .trim()
        .toLowerCase();
      const encoded = headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity';
      let parsed: { value: unknown } | undefined | null = null;
      let changed = false;
      let reserialize = false;
      let current = bytes;
      const body: HeldBody = {
        mediaType,
        encoded,
        get bytes() {
          return current;
        },
        json() {
          if (parsed !== null) return parsed;
          parsed = undefined;
          if (isJsonMediaType(mediaType) && !encoded) {
            try {
              parsed = { value: JSON.parse(current.toString('utf8')) };
            } catch {
              // not JSON after all: filters see undefined
            }
          }
          return parsed;
        },
      };
      for (const hold of h.holds) {
        if (h.size > hold.maxBytes) {
          if (hold.overflow !== null) return sendRefusal(hold.overflow);
          continue;
        }
        const out: ResponseOutcome = hold.body(h.head, body);
        if (out.kind === 'pass') continue;
        if (out.kind === 'refuse') return sendRefusal(out.refusal);
        if (out.kind === 'replace') {
          status = out.status;
          const rh = baseHeaders();
          for (const [k, v] of Object.entries(out.headers)) rh[k.toLowerCase()] = v;
          rh['content-length'] = String(Buffer.byteLength(out.body));
          res.writeHead(out.status, rh);
          res.end(out.body);
          return;
        }
        if (out.kind === 'body') {
          current = out.body;
          parsed = null;
          changed = true;
          reserialize = false;
          continue;
        }
        parsed = { value: out.value };
        changed = true;
        reserialize = true;
      }
      let out = current;
      if (changed) {
        if (reserialize) {
          out = Buffer.from(JSON.stringify((parsed as { value: unknown } | null)?.value) ?? 'null', 'utf8');
        }
        // validators of the upstream's bytes no longer describe what is sent
        delete headers.etag;
        delete headers['content-md5'];
        delete headers.digest;
        delete headers['repr-digest'];
        delete headers['content-digest'];
      }
      headers['content-length'] = String(out.byteLength);
      res.writeHead(h.head.status, headers);
      res.end(out);
    }

    /** A response filter's decision the client does not see: logged, and counted as monitored when it is a refusal. */
    function recordEvent(e: ResponseEvent): void {
      logger.warn({
        msg: 'response filter',
        requestId,
        route: route?.label,
        policy: e.policy,
        event: e.event,
        ...(e.monitored === undefined ? {} : { code: e.monitored.code, evidence: e.monitored.evidence }),
        ...e.detail,
      });
      if (e.monitored !== undefined) {
        if (monitored === undefined) monitored = [];
        monitored.push({ policy: e.policy, refusal: e.monitored });
        if (decision === 'allow') {
          decision = 'monitor';
          policy = e.policy;
          code = e.monitored.code;
        }
      }
    }

    function upstreamError(err: unknown): void {
      const errCode = (err as { code?: string }).code;
      if (aborted || res.destroyed) {
        decision = 'aborted';
        return;
      }
      logger.warn({ requestId, upstreamError: errCode ?? String(err), msg: 'upstream request failed' });
      switch (errCode) {
        case 'RAMPART_BODY_TOO_LARGE':
          return sendRefusal(refuse('request.body.too_large'), true);
        case 'UND_ERR_CONNECT_TIMEOUT':
        case 'UND_ERR_HEADERS_TIMEOUT':
        case 'UND_ERR_BODY_TIMEOUT':
          return sendRefusal(refuse('upstream.timeout'));
        case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
          return sendRefusal(refuse('request.malformed', 'body shorter or longer than Content-Length'), true);
        case 'ECONNREFUSED':
        case 'ECONNRESET':
        case 'ENOTFOUND':
        case 'EHOSTUNREACH':
        case 'UND_ERR_SOCKET':
        case 'UND_ERR_CLOSED':
          return sendRefusal(refuse('upstream.unavailable'));
        default:
          return sendRefusal(refuse('upstream.error'));
      }
    }
  };
}

/** A response held back until the response filters have seen its body. */
interface HeldResponse {
  readonly head: ResponseHead;
  readonly holds: readonly ResponseBodyHold[];
  /** The largest cap of the holds: nothing more is ever buffered. */
  readonly max: number;
  chunks: Buffer[];
  size: number;
  /** hold: buffering; stream: past every cap, passing unfiltered; done: answered already (a refusal). */
  state: 'hold' | 'stream' | 'done';
  sink: Writable;
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
