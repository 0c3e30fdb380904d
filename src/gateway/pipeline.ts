import type { IncomingMessage } from 'node:http';
import type { Refusal } from '../errors.ts';
import type { Identity } from '../policies/identity.ts';

/** What a policy decides about a request. There is no `next()`: a policy returns exactly one verdict. */
export type Verdict =
  | { readonly kind: 'continue' }
  | { readonly kind: 'refuse'; readonly refusal: Refusal }
  | {
      readonly kind: 'respond';
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string;
    };

/** The one shared "continue" verdict, so the hot path allocates nothing to say yes. */
export const CONTINUE: Verdict = Object.freeze({ kind: 'continue' });

/** What a request policy sees. Built once per request; policies add to `facts`, never to `req`. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly requestId: string;
  /** Canonical path (see normalizeTarget): what routing and every policy saw. */
  readonly path: string;
  readonly query: string;
  /** Path parameters, still percent-encoded as in the canonical path. */
  readonly params: Readonly<Record<string, string>>;
  /** The client address: the peer, or the nearest untrusted hop when the peer is a trusted proxy. */
  readonly clientIp: string;
  readonly secure: boolean;
  /** Facts established by earlier phases for later ones, prototype-less. */
  readonly facts: Record<string, unknown>;
  /**
   * The verified caller, set by the authenticate phase (policies/identity.ts). A field rather than a
   * fact: every authenticated request writes and reads it, and a fact is a dictionary lookup.
   */
  identity?: Identity | undefined;
  /** Which alternative of the operation's `security` list the caller satisfied (for authorize). */
  securityAlternative?: number | undefined;
  /** The query string to forward instead of the client's (a credential taken out of it). */
  forwardQuery?: string | undefined;
  /** Headers a policy adds to the response, whatever it is (e.g. RateLimit); lower-case names. */
  readonly responseHeaders: [string, string][];
  /** Headers a policy adds to the upstream request (e.g. the verified identity); lower-case names. */
  readonly upstreamHeaders: [string, string][];
  /** Request headers that stop at the gateway (a credential authn consumed); lower-case names. */
  consumedHeaders?: readonly string[];
  /** The request body once a policy has read it (readBody); the proxy then forwards these bytes. */
  body?: Buffer;
  /** Called once with the final response status, the upstream's or a refusal's (addResponseHook). */
  onResponse?: (status: number) => void;
  /**
   * Filters of the upstream's response, in the order added (addResponseFilter, addResponseBodyCheck):
   * each sees the headers, and may hold the body up to a cap to check or replace it before it leaves.
   */
  responseFilters?: ResponseFilter[];
}

/** A check of a buffered JSON response body, e.g. an ownership rule comparing `owner_id` to the caller. */
export interface ResponseBodyCheck {
  /** Largest body buffered for this check. */
  readonly maxBytes: number;
  /** Sent when the body cannot be checked (not JSON, encoded, too large): the check fails closed. */
  readonly unverifiable: Refusal;
  /** A refusal to send instead of the response, or null to let it through. */
  check(body: unknown): Refusal | null;
}

/** Buffer and check the JSON body of this request's 2xx response before it reaches the client. */
export function addResponseBodyCheck(ctx: RequestContext, check: ResponseBodyCheck): void {
  addResponseFilter(ctx, checkFilter(check));
}

/** What a response filter sees of the upstream's answer. */
export interface ResponseHead {
  readonly status: number;
  /** The headers about to be sent (upstream's, gateway's): a filter may rewrite them (e.g. Set-Cookie). */
  readonly headers: Record<string, string | string[]>;
  readonly requestId: string;
  /** The request method: a HEAD response has no body to filter. */
  readonly method: string;
  /** Record what the client does not see (monitored refusal, inventory gap, sanitized error) in the log. */
  record(event: ResponseEvent): void;
}

/** A decision that refuses nothing but becomes a security event (e.g. data masked). */
export interface NotableDecision {
  readonly policy: string;
  /** The event code, e.g. `response.masked`; its family is the event's category. */
  readonly code: string;
  readonly severity: 'info' | 'low' | 'medium' | 'high';
  /** Bounded and redacted (types and counts, never the values). */
  readonly evidence: string;
}

/** A decision of a response filter that goes to the log (and, with a refusal, to the monitored list). */
export interface ResponseEvent {
  readonly policy: string;
  readonly event: string;
  /** A refusal a monitor-mode filter would have made. */
  readonly monitored?: Refusal;
  /** A decision that goes to the security events as well (AccessRecord.notable). */
  readonly notable?: NotableDecision;
  /** Redacted, bounded facts for the log; never a secret. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** A response body held back for the filters: the bytes as they are, and their JSON parsed once. */
export interface HeldBody {
  /** Media type essence, lower-case; '' when there is no Content-Type. */
  readonly mediaType: string;
  /**
   * The body carries a Content-Encoding other than identity: its bytes are not the content. Never
   * true for a held body today: the gateway decodes gzip, deflate and br, and refuses or passes
   * unread what it cannot decode (ResponseBodyHold.unreadable).
   */
  readonly encoded: boolean;
  readonly bytes: Buffer;
  /**
   * False when `bytes` are what `json()` parses; true once an earlier filter replaced the JSON value
   * (the bytes are then stale). Undefined: unknown, treat as stale.
   */
  readonly jsonReplaced?: boolean;
  /**
   * The body as JSON: the value an earlier filter set, else the bytes parsed once. Undefined when
   * the body is not a JSON media type, is encoded or does not parse.
   */
  json(): { readonly value: unknown } | undefined;
}

/** What a filter does with a held body. */
export type ResponseOutcome =
  | { readonly kind: 'pass' }
  | { readonly kind: 'refuse'; readonly refusal: Refusal }
  /** Send this JSON value instead (re-serialized; later filters see it). */
  | { readonly kind: 'json'; readonly value: unknown }
  /** Send these bytes instead, with the same status and headers (e.g. masked text); later filters see them. */
  | { readonly kind: 'body'; readonly body: Buffer }
  /** Send this whole answer instead (e.g. a sanitized error); later filters do not run. */
  | {
      readonly kind: 'replace';
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string;
    };

/** The one shared "pass" outcome. */
export const PASS_RESPONSE: ResponseOutcome = Object.freeze({ kind: 'pass' });

/** How a filter wants a body held: up to a cap, with what happens past it. */
export interface ResponseBodyHold {
  /** Largest body held for this filter. */
  readonly maxBytes: number;
  /** Past maxBytes: the refusal sent instead, or null to let the body through unfiltered. */
  readonly overflow: Refusal | null;
  /**
   * A body in a Content-Encoding the gateway cannot decode (it decodes gzip, deflate and br), or
   * that does not decode: the refusal sent instead, or null to let it through unread. Absent: as
   * `overflow`.
   */
  readonly unreadable?: Refusal | null;
  body(head: ResponseHead, held: HeldBody): ResponseOutcome;
}

/** A filter of one request's response, added by a request policy that knows the caller. */
export interface ResponseFilter {
  readonly name: string;
  /** Sees the status and headers before anything is sent; returns how to hold the body, or null to let it stream. */
  head(head: ResponseHead): ResponseBodyHold | null;
}

/** Run `filter` on this request's upstream response, after the filters added before it. */
export function addResponseFilter(ctx: RequestContext, filter: ResponseFilter): void {
  if (ctx.responseFilters === undefined) ctx.responseFilters = [filter];
  else ctx.responseFilters.push(filter);
}

// the last header value and its essence: a route's responses repeat one content type, and asking
// again (the handler and each response filter do) then costs a comparison, not a split and two copies
let lastContentType = '';
let lastEssence = '';

/** The media type essence of a Content-Type value (`application/json; charset=utf-8` → `application/json`); '' when absent. */
export function mediaTypeEssence(value: string | readonly string[] | undefined): string {
  const raw = typeof value === 'string' ? value : (value?.[0] ?? '');
  if (raw === lastContentType) return lastEssence;
  const essence = raw.split(';', 1)[0]!.trim().toLowerCase();
  lastContentType = raw;
  lastEssence = essence;
  return essence;
}

/** Whether a media type essence is JSON (application/json or any +json). */
export function isJsonMediaType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

// A body check is a filter of 2xx responses that fails closed when it cannot read the body as JSON.
function checkFilter(check: ResponseBodyCheck): ResponseFilter {
  const unverifiable: ResponseOutcome = { kind: 'refuse', refusal: check.unverifiable };
  const hold: ResponseBodyHold = {
    maxBytes: check.maxBytes,
    overflow: check.unverifiable,
    body(_head, held) {
      const parsed = held.json();
      if (parsed === undefined) return unverifiable;
      const refusal = check.check(parsed.value);
      return refusal === null ? PASS_RESPONSE : { kind: 'refuse', refusal };
    },
  };
  return {
    name: 'check',
    head: (head) => (head.status >= 200 && head.status < 300 ? hold : null),
  };
}

/** Run `hook` with the request's final response status, after the hooks added before it. */
export function addResponseHook(ctx: RequestContext, hook: (status: number) => void): void {
  const prev = ctx.onResponse;
  ctx.onResponse =
    prev === undefined
      ? hook
      : (status) => {
          prev(status);
          hook(status);
        };
}

/**
 * Read the whole request body, at most `max` bytes, and keep it for the proxy (which then sends it
 * instead of streaming). Null when the body is longer than `max`.
 */
export async function readBody(ctx: RequestContext, max: number): Promise<Buffer | null> {
  if (ctx.body !== undefined) return ctx.body.byteLength <= max ? ctx.body : null;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > max) return null;
    chunks.push(chunk);
  }
  ctx.body = Buffer.concat(chunks, total);
  return ctx.body;
}

/** A compiled per-route request check. */
export type RequestPolicy = (ctx: RequestContext) => Verdict | Promise<Verdict>;

/** A named policy in one phase; the name goes to logs and events when it refuses. */
export interface PhaseEntry {
  readonly name: string;
  readonly mode: 'enforce' | 'monitor';
  readonly run: RequestPolicy;
}

/**
 * The request phases in their fixed order. The order is the code's, never the config's: a config
 * cannot put inspection before authentication. Each phase is frozen per route, `null` when empty.
 */
export const PHASES = [
  'clientGate',
  'authenticate',
  'rateLimit',
  'authorize',
  'validate',
  'inspect',
] as const;
export type PhaseName = (typeof PHASES)[number];
export type Phases = { readonly [P in PhaseName]: readonly PhaseEntry[] | null };

/** Phases with nothing in them. */
export const EMPTY_PHASES: Phases = Object.freeze({
  clientGate: null,
  authenticate: null,
  rateLimit: null,
  authorize: null,
  validate: null,
  inspect: null,
});

/** A refusal a monitor-mode policy would have made: recorded, not enforced. */
export interface MonitoredRefusal {
  readonly policy: string;
  readonly refusal: Refusal;
}

/** Where monitor-mode refusals go: an array, or an object that allocates one only when needed. */
export interface MonitorSink {
  push(refusal: MonitoredRefusal): unknown;
}

/**
 * Run the phases in order and stop at the first enforced refusal or response. Monitor-mode refusals
 * are collected in `monitored` and the request goes on. When every policy answers at once, this
 * allocates nothing and returns no promise.
 */
export function runPhases(
  phases: Phases,
  ctx: RequestContext,
  monitored: MonitorSink,
): PhaseResult | Promise<PhaseResult> {
  // Synchronous until a policy returns a promise: most checks (memory limiter, blocklist, key cache)
  // answer at once, and a request should not pay a microtask per phase for them.
  for (let p = 0; p < PHASES.length; p++) {
    const entries = phases[PHASES[p]!];
    if (entries === null) continue;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const verdict = entry.run(ctx);
      if (verdict instanceof Promise) return finishAsync(phases, ctx, monitored, p, i, entry, verdict);
      const done = settle(entry, verdict, monitored);
      if (done !== undefined) return done;
    }
  }
  return CONTINUED;
}

/** The outcome of the request phases: the verdict and the policy that gave it. */
export interface PhaseResult {
  readonly verdict: Verdict;
  readonly policy: string | undefined;
}

const CONTINUED: PhaseResult = Object.freeze({ verdict: CONTINUE, policy: undefined });

function settle(entry: PhaseEntry, verdict: Verdict, monitored: MonitorSink): PhaseResult | undefined {
  if (verdict.kind === 'continue') return undefined;
  if (verdict.kind === 'refuse' && entry.mode === 'monitor') {
    monitored.push({ policy: entry.name, refusal: verdict.refusal });
    return undefined;
  }
  return { verdict, policy: entry.name };
}

async function finishAsync(
  phases: Phases,
  ctx: RequestContext,
  monitored: MonitorSink,
  phase: number,
  index: number,
  entry: PhaseEntry,
  pending: Promise<Verdict>,
): Promise<PhaseResult> {
  const first = settle(entry, await pending, monitored);
  if (first !== undefined) return first;
  let i = index + 1;
  for (let p = phase; p < PHASES.length; p++, i = 0) {
    const entries = phases[PHASES[p]!];
    if (entries === null) continue;
    for (; i < entries.length; i++) {
      const e = entries[i]!;
      // a policy that answers at once costs no microtask here either
      const v = e.run(ctx);
      const done = settle(e, v instanceof Promise ? await v : v, monitored);
      if (done !== undefined) return done;
    }
  }
  return CONTINUED;
}
