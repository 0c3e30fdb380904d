/**
 * Response protection (OWASP API3, API8): what leaves the gateway is filtered by the operation's
 * declared response schema (undeclared properties stripped or the response refused, writeOnly
 * always removed), sensitive values are masked per field and per detected type (per consumer
 * role), upstream 5xx bodies and error bodies that leak internals (stack traces, SQL, server
 * paths, banners) are replaced by a generic problem+json, and Set-Cookie gets Secure, HttpOnly
 * and SameSite. Runs in the last request phase, where the caller's identity is known, and adds a
 * response filter to the request (see ResponseFilter in gateway/pipeline.ts).
 */
import { STATUS_CODES } from 'node:http';
import type { MaskFieldRuleConfig, MaskTypeRuleConfig, ResponseConfig } from '../config/schema.ts';
import {
  classifyText,
  createPseudonymKey,
  type FieldMaskRule,
  type MaskStrategy,
  mask,
  type PseudonymKey,
  SENSITIVE_TYPES,
  type SensitiveType,
} from '../detect/sensitive/index.ts';
import { ConfigError, type Refusal, refuse } from '../errors.ts';
import {
  addResponseFilter,
  CONTINUE,
  type HeldBody,
  isJsonMediaType,
  mediaTypeEssence,
  PASS_RESPONSE,
  type PhaseEntry,
  type RequestContext,
  type ResponseBodyHold,
  type ResponseFilter,
  type ResponseHead,
  type ResponseOutcome,
  type Verdict,
} from '../gateway/pipeline.ts';
import type { LoadedDocument } from '../openapi/load.ts';
import { AllowlistCompiler, ANY, filterByAllowlist } from '../response/allowlist.ts';
import { type CookieFlags, hardenSetCookies } from '../response/cookies.ts';
import { unchangedByFilters } from '../response/fast-pass.ts';
import { findLeak, findLeakInJson } from '../response/leaks.ts';
import { compileRoleMaskers, type RoleMaskers, type RoleScoped, strategyOf } from '../response/masking.ts';
import { compileResponseSchemas, type ResponseSchemas } from '../response/schemas.ts';
import { matchMediaType } from '../validate/content-type.ts';
import { getIdentity } from './identity.ts';
import type { PolicyCompileContext, PolicyFactory } from './registry.ts';

const POLICY = 'response';
const LOG_EXCERPT = 1024;
const MAX_GAPS_LOGGED = 64;
// headers of an error that a client still needs once its body is replaced
const KEPT_ON_REPLACE = ['retry-after', 'www-authenticate', 'allow'] as const;

// One compiler per loaded document: shared and recursive schemas compile once for every route.
const compilers = new WeakMap<LoadedDocument, AllowlistCompiler>();
// One pseudonym key per loaded config section: built once, never logged.
const pseudonymKeys = new WeakMap<object, PseudonymKey>();

function compilerFor(doc: LoadedDocument): AllowlistCompiler {
  let c = compilers.get(doc);
  if (c === undefined) {
    c = new AllowlistCompiler();
    compilers.set(doc, c);
  }
  return c;
}

function pseudonymKeyOf(masking: ResponseConfig['masking']): PseudonymKey | undefined {
  if (masking.pseudonymKey === undefined) return undefined;
  let key = pseudonymKeys.get(masking);
  if (key === undefined) {
    key = createPseudonymKey(masking.pseudonymKey);
    pseudonymKeys.set(masking, key);
  }
  return key;
}

function textual(mediaType: string): boolean {
  return (
    mediaType === '' ||
    mediaType.startsWith('text/') ||
    mediaType === 'application/xml' ||
    mediaType.endsWith('+xml') ||
    mediaType === 'application/x-www-form-urlencoded'
  );
}

/** A generic problem+json for a replaced upstream error: the status, its standard title, the request id. */
export function genericProblem(status: number, requestId: string): string {
  return JSON.stringify({
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail: 'The upstream service answered with an error; its details were withheld.',
    requestId,
  });
}

/** The first bytes of a body for the log, with every sensitive value the classifiers find redacted. */
export function redactedExcerpt(held: HeldBody): string {
  if (held.encoded || !(textual(held.mediaType) || isJsonMediaType(held.mediaType))) {
    return `[${held.bytes.byteLength} bytes of ${held.mediaType || 'unknown type'}]`;
  }
  const text = held.bytes
    .subarray(0, LOG_EXCERPT * 4)
    .toString('utf8')
    .slice(0, LOG_EXCERPT);
  let out = '';
  let at = 0;
  for (const m of classifyText(text)) {
    out += `${text.slice(at, m.start)}[REDACTED:${m.type}]`;
    at = m.end;
  }
  return out + text.slice(at);
}

/** Everything a route's response filter needs, compiled at load. */
interface CompiledResponse {
  readonly enforce: boolean;
  readonly schemas: ResponseSchemas | undefined;
  readonly refuseUnknown: boolean;
  readonly maxBytes: number;
  readonly overflow: Refusal | null;
  /** A body in a coding the gateway cannot read: refused where overflow refuses, in enforce mode. */
  readonly unreadable: Refusal | null;
  readonly maxDepth: number;
  readonly replace5xx: boolean;
  readonly scrub: boolean;
  readonly cookies: CookieFlags | null;
  readonly maskers: RoleMaskers;
  readonly scanText: {
    readonly mediaTypes: readonly string[];
    readonly refuse: boolean;
    readonly types: ReadonlySet<SensitiveType>;
  } | null;
  readonly gapsLogged: Set<string>;
}

function fieldRule(r: MaskFieldRuleConfig, key: PseudonymKey | undefined): RoleScoped<FieldMaskRule> {
  const rule: FieldMaskRule =
    r.type === undefined
      ? { field: r.field, strategy: strategyOf(r.strategy, key) }
      : { field: r.field, strategy: strategyOf(r.strategy, key), type: r.type as SensitiveType };
  return { rule, exceptRoles: r.exceptRoles ?? [] };
}

function typeRule(r: MaskTypeRuleConfig, key: PseudonymKey | undefined): RoleScoped<MaskStrategy> {
  return typeof r === 'string'
    ? { rule: strategyOf(r, key), exceptRoles: [] }
    : { rule: strategyOf(r.strategy, key), exceptRoles: r.exceptRoles ?? [] };
}

// The schema types its keys as strings: the config was validated against the same names.
function typesOf(t: unknown): Partial<Record<SensitiveType, MaskTypeRuleConfig>> | undefined {
  return t as Partial<Record<SensitiveType, MaskTypeRuleConfig>> | undefined;
}

function compileRoute(c: PolicyCompileContext): CompiledResponse | null {
  const g = c.config.response;
  const r = c.policy.response;
  if (!(r?.enabled ?? g.enabled)) return null;
  const where = {
    file: c.operation?.location?.file ?? c.document.file,
    line: c.operation?.location?.line,
    column: c.operation?.location?.column,
    key: `${c.method} ${c.template}`,
  };
  let maskers: RoleMaskers;
  try {
    const key = pseudonymKeyOf(g.masking);
    const fields = [...g.masking.fields, ...(r?.mask?.fields ?? [])].map((f) => fieldRule(f, key));
    const types = new Map<SensitiveType, RoleScoped<MaskStrategy>>();
    for (const t of SENSITIVE_TYPES) {
      const rule = typesOf(r?.mask?.types)?.[t] ?? typesOf(g.masking.types)?.[t];
      if (rule !== undefined) types.set(t, typeRule(rule, key));
    }
    maskers = compileRoleMaskers({
      fields,
      types,
      fieldNames: g.masking.fieldNames,
      scanText: g.masking.scanText,
      maxDepth: g.maxDepth,
    });
  } catch (err) {
    throw new ConfigError(`response masking: ${(err as Error).message}`, {
      ...where,
      hint: 'pseudonym rules need response.masking.pseudonymKey (at least 16 bytes, from ${ENV})',
    });
  }
  let schemas: ResponseSchemas | undefined;
  if (c.operation !== undefined) {
    try {
      schemas = compileResponseSchemas(c.operation, compilerFor(c.document));
    } catch (err) {
      throw new ConfigError(`response schema of ${where.key}: ${(err as Error).message}`, where);
    }
  }
  const scan = g.scanText;
  const scanOn = r?.scanText ?? scan.enabled;
  const mode = r?.mode ?? g.mode ?? c.mode;
  const overflow = (r?.overflow ?? g.overflow) === 'refuse' ? refuse('response.too_large') : null;
  return {
    enforce: mode === 'enforce',
    schemas,
    refuseUnknown: (r?.unknownProperties ?? g.unknownProperties) === 'refuse',
    maxBytes: r?.maxBytes ?? g.maxBytes,
    overflow,
    unreadable: overflow !== null && mode === 'enforce' ? refuse('response.encoding') : null,
    maxDepth: g.maxDepth,
    replace5xx: g.errors.replace5xx,
    scrub: g.errors.scrub,
    cookies: g.cookies.enabled ? g.cookies : null,
    maskers,
    scanText: scanOn
      ? {
          mediaTypes: scan.mediaTypes,
          refuse: scan.action === 'refuse',
          types: new Set(scan.types as SensitiveType[]),
        }
      : null,
    gapsLogged: new Set(),
  };
}

/** Log an undeclared response (status or media type without a schema) once per route and kind. */
function noteGap(cr: CompiledResponse, head: ResponseHead, mediaType: string, reason: string): void {
  const key = `${head.status} ${mediaType}`;
  if (cr.gapsLogged.has(key) || cr.gapsLogged.size >= MAX_GAPS_LOGGED) return;
  cr.gapsLogged.add(key);
  head.record({
    policy: POLICY,
    event: 'inventory-gap',
    detail: { status: head.status, mediaType, reason },
  });
}

function replaceError(head: ResponseHead): ResponseOutcome {
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
  };
  for (const k of KEPT_ON_REPLACE) {
    const v = head.headers[k];
    if (typeof v === 'string' && v.length <= 512) headers[k] = v;
  }
  return { kind: 'replace', status: head.status, headers, body: genericProblem(head.status, head.requestId) };
}

/** `card:2 email:1`: the types and counts of what was masked, never the values. */
function maskedEvidence(counts: Readonly<Record<string, number>>): string {
  let out = '';
  for (const [type, n] of Object.entries(counts)) if (n > 0) out += `${out === '' ? '' : ' '}${type}:${n}`;
  return out;
}

/** Data masked on its way out is a security event (`response.masked`), enforced or not. */
function recordMasked(
  cr: CompiledResponse,
  head: ResponseHead,
  counts: Readonly<Record<string, number>>,
): void {
  if (!cr.enforce) return;
  const evidence = maskedEvidence(counts);
  head.record({
    policy: POLICY,
    event: 'masked',
    detail: { status: head.status, masked: evidence },
    notable: { policy: POLICY, code: 'response.masked', severity: 'low', evidence },
  });
}

/** In monitor mode a decision is recorded and the response goes on as it was. */
function decide(
  cr: CompiledResponse,
  head: ResponseHead,
  outcome: ResponseOutcome,
  event: string,
  detail: Record<string, unknown>,
): ResponseOutcome {
  if (cr.enforce) {
    // routine masking is not logged; removed properties, refusals and replacements are
    if (outcome.kind !== 'json' || detail.removed !== undefined)
      head.record({ policy: POLICY, event, detail });
    return outcome;
  }
  const monitored = outcome.kind === 'refuse' ? outcome.refusal : undefined;
  head.record({
    policy: POLICY,
    event: `monitor:${event}`,
    ...(monitored === undefined ? {} : { monitored }),
    detail,
  });
  return PASS_RESPONSE;
}

function filterJson(
  cr: CompiledResponse,
  head: ResponseHead,
  held: HeldBody,
  roles: readonly string[] | undefined,
): ResponseOutcome {
  const declared = cr.schemas?.find(head.status, held.mediaType);
  const masker = cr.maskers.forRoles(roles);
  // the fast path: one pass over the bytes proves that nothing would be removed or masked
  if (
    !(head.status >= 400 && cr.scrub) &&
    held.jsonReplaced === false &&
    !held.encoded &&
    (masker === null || masker.judge !== null) &&
    unchangedByFilters(
      held.bytes,
      declared?.kind === 'schema' ? declared.node : ANY,
      masker?.judge ?? null,
      cr,
    )
  )
    return PASS_RESPONSE;
  const parsed = held.json();
  if (parsed === undefined) {
    if (head.status >= 400 && cr.scrub) return filterText(cr, head, held, roles);
    if (declared?.kind !== 'schema') return PASS_RESPONSE;
    const refusal = refuse('response.schema', 'the upstream response is not valid JSON');
    return decide(cr, head, { kind: 'refuse', refusal }, 'invalid-json', { status: head.status });
  }
  let value = parsed.value;
  let removed: readonly string[] | undefined;
  let maskedCounts: Readonly<Record<string, number>> | undefined;
  if (declared?.kind === 'schema') {
    const res = filterByAllowlist(declared.node, value, {
      maxDepth: cr.maxDepth,
      stopAtUndeclared: cr.refuseUnknown,
    });
    if (res.tooDeep) {
      const refusal = refuse('response.schema', 'the upstream response is nested too deeply');
      return decide(cr, head, { kind: 'refuse', refusal }, 'too-deep', { status: head.status });
    }
    if (cr.refuseUnknown && res.removedCount > 0) {
      const refusal = {
        ...refuse('response.schema', 'the upstream response has undeclared properties'),
        evidence: res.removed.join(' '),
      };
      return decide(cr, head, { kind: 'refuse', refusal }, 'undeclared', {
        status: head.status,
        removed: res.removed,
      });
    }
    if (res.removedCount > 0) removed = res.removed;
    value = res.value;
  }
  if (masker !== null) {
    const m = masker(value);
    if (!m.ok) {
      const refusal = refuse('response.schema', 'the upstream response is too large or deep to mask');
      return decide(cr, head, { kind: 'refuse', refusal }, 'mask-limit', {
        status: head.status,
        reason: m.reason,
      });
    }
    if (m.masked > 0) {
      value = m.value;
      maskedCounts = m.counts;
    }
  }
  if (head.status >= 400 && cr.scrub) {
    const leak = findLeakInJson(value);
    if (leak !== null)
      return decide(cr, head, replaceError(head), 'error-scrubbed', {
        status: head.status,
        leak: leak.kind,
        marker: leak.marker,
        original: redactedExcerpt(held),
      });
  }
  if (value === parsed.value) return PASS_RESPONSE;
  if (maskedCounts !== undefined) recordMasked(cr, head, maskedCounts);
  return decide(
    cr,
    head,
    { kind: 'json', value },
    'filtered',
    removed === undefined ? {} : { status: head.status, removed },
  );
}

function filterText(
  cr: CompiledResponse,
  head: ResponseHead,
  held: HeldBody,
  roles: readonly string[] | undefined,
): ResponseOutcome {
  if (held.encoded) return PASS_RESPONSE;
  const text = held.bytes.toString('utf8');
  if (head.status >= 400 && cr.scrub && (textual(held.mediaType) || isJsonMediaType(held.mediaType))) {
    const leak = findLeak(text);
    if (leak !== null)
      return decide(cr, head, replaceError(head), 'error-scrubbed', {
        status: head.status,
        leak: leak.kind,
        marker: leak.marker,
        original: redactedExcerpt(held),
      });
  }
  const scan = cr.scanText;
  if (scan === null || matchMediaType(held.mediaType, scan.mediaTypes) === undefined) return PASS_RESPONSE;
  const found = classifyText(text, { types: scan.types });
  if (found.length === 0) return PASS_RESPONSE;
  const counts: Record<string, number> = {};
  for (const m of found) counts[m.type] = (counts[m.type] ?? 0) + 1;
  if (scan.refuse) {
    const refusal = { ...refuse('response.sensitive'), evidence: Object.keys(counts).join(',') };
    return decide(cr, head, { kind: 'refuse', refusal }, 'sensitive-text', { status: head.status, counts });
  }
  recordMasked(cr, head, counts);
  const strategies = cr.maskers.typesForRoles(roles);
  let out = '';
  let at = 0;
  for (const m of found) {
    const strategy = strategies.get(m.type) ?? { kind: 'redact', typed: true };
    out += text.slice(at, m.start) + mask(text.slice(m.start, m.end), strategy, m.type);
    at = m.end;
  }
  return decide(cr, head, { kind: 'body', body: Buffer.from(out + text.slice(at), 'utf8') }, 'masked-text', {
    status: head.status,
    counts,
  });
}

/** The per-response part: what to hold, and what to do with the held body. */
function headFor(cr: CompiledResponse, ctx: RequestContext, head: ResponseHead): ResponseBodyHold | null {
  if (cr.cookies !== null && cr.enforce) hardenSetCookies(head.headers, cr.cookies);
  const status = head.status;
  if (head.method === 'HEAD' || status === 204 || status === 304 || status < 200) return null;
  const mediaType = mediaTypeEssence(head.headers['content-type']);
  const encoded =
    head.headers['content-encoding'] !== undefined && head.headers['content-encoding'] !== 'identity';
  const roles = () => getIdentity(ctx)?.roles;
  if (status >= 500 && cr.replace5xx) {
    return {
      maxBytes: cr.maxBytes,
      // a huge 5xx body is not read to be replaced: the generic 502 goes out instead
      overflow: refuse('upstream.error'),
      body: (h, held) =>
        decide(cr, h, replaceError(h), 'error-replaced', {
          status: h.status,
          original: redactedExcerpt(held),
        }),
    };
  }
  // a body still encoded here is in a coding the gateway cannot decode: held only to be refused
  // (or passed unread, as overflow says), never read
  if (isJsonMediaType(mediaType)) {
    const declared = cr.schemas?.find(status, mediaType);
    if (declared !== undefined && declared.kind === 'gap') noteGap(cr, head, mediaType, declared.reason);
    const wanted = declared?.kind === 'schema' || cr.maskers.any || (status >= 400 && cr.scrub);
    if (!wanted) return null;
    return {
      maxBytes: cr.maxBytes,
      overflow: cr.overflow,
      unreadable: cr.unreadable,
      body: (h, held) => filterJson(cr, h, held, roles()),
    };
  }
  if (cr.schemas !== undefined && !encoded && mediaType !== '') {
    const declared = cr.schemas.find(status, mediaType);
    if (declared.kind === 'gap' && declared.reason !== 'schema')
      noteGap(cr, head, mediaType, declared.reason);
  }
  const scrub = status >= 400 && cr.scrub && textual(mediaType);
  const scan = cr.scanText !== null && matchMediaType(mediaType, cr.scanText.mediaTypes) !== undefined;
  if (!(scrub || scan)) return null;
  return {
    maxBytes: cr.maxBytes,
    overflow: cr.overflow,
    unreadable: cr.unreadable,
    body: (h, held) => filterText(cr, h, held, roles()),
  };
}

/** The response policy factory: null on routes where response filtering is off. */
export const responsePolicy: PolicyFactory = {
  name: POLICY,
  phase: 'inspect',
  compile(c: PolicyCompileContext): PhaseEntry | null {
    const cr = compileRoute(c);
    if (cr === null) return null;
    return {
      name: POLICY,
      mode: cr.enforce ? 'enforce' : 'monitor',
      run: function filterResponse(ctx: RequestContext): Verdict {
        const filter: ResponseFilter = { name: POLICY, head: (head) => headFor(cr, ctx, head) };
        addResponseFilter(ctx, filter);
        return CONTINUE;
      },
    };
  },
};
