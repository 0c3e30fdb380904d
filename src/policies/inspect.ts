/**
 * The inspect phase: the second line after the schema. Every string the request carries — path
 * parameters, query values, configured headers, cookies, JSON string leaves, form and multipart
 * text fields, XML and text bodies — goes through the injection detectors, and every query, JSON
 * and form key through the NoSQL operator check (`a[$ne]=`, `{"$where": …}`). A detection refuses
 * with 403 `inject.<kind>` naming the parameter, never echoing the payload; the matched fragment
 * goes to `ctx.facts.inspection`, to the refusal's evidence (logged, never sent) and to the
 * `rampart:inspect:detection` diagnostics channel.
 */
import { channel } from 'node:diagnostics_channel';
import type { InspectExclusionConfig, InspectionConfig, ValidationConfig } from '../config/schema.ts';
import {
  type Detection,
  type DetectOptions,
  detectInjection,
  detectNoSqlKey,
  type InjectionKind,
} from '../detect/injection/index.ts';
import { MAX_INSPECTED_LENGTH } from '../detect/normalize.ts';
import { ConfigError, type Refusal, type RefusalCode, refuse } from '../errors.ts';
import {
  CONTINUE,
  type PhaseEntry,
  type RequestContext,
  readBody,
  type Verdict,
} from '../gateway/pipeline.ts';
import { decodeFormPairs, decodeUtf8, type ParsedBody } from '../validate/body.ts';
import { bodyKind, parseMediaType } from '../validate/content-type.ts';
import { escapePointer, type JsonLimits, parseJsonSafely } from '../validate/json-scan.ts';
import { parseMultipart } from '../validate/multipart.ts';
import { decodePiece, MAX_QUERY_PAIRS, parseCookies } from '../validate/params.ts';
import type { PolicyCompileContext, PolicyFactory } from './registry.ts';
import { getParsedBody, VALIDATION_DEFAULTS } from './validate.ts';

/** What the inspect phase found, in `ctx.facts.inspection` (the fragment is at most 64 characters). */
export interface InspectionFinding {
  /** `query:q`, `path:id`, `header:user-agent`, `cookie:sid` or `body:/json/pointer`. */
  readonly parameter: string;
  readonly kind: InjectionKind;
  readonly rule: string;
  readonly score: number;
  readonly fragment: string;
}

/** Published on `rampart:inspect:detection` for every detection (enforced or monitored). */
export interface InspectionEvent extends InspectionFinding {
  readonly requestId: string;
  readonly route: string;
  readonly mode: 'enforce' | 'monitor';
}

/** `rampart:inspect:detection`: the event stream and metrics subscribe here. */
export const inspectionChannel = channel('rampart:inspect:detection');

/** The key of `ctx.facts` holding the InspectionFinding. */
export const INSPECTION_FACT = 'inspection';

const ALL_KINDS: readonly InjectionKind[] = [
  'sqli',
  'nosqli',
  'cmdi',
  'traversal',
  'ssrf',
  'xss',
  'xxe',
  'ldapi',
  'ssti',
];

/** The `inspection` section's defaults (see config/schema.ts). */
export const INSPECTION_DEFAULTS: InspectionConfig = Object.freeze({
  enabled: false,
  kinds: [...ALL_KINDS],
  headers: ['referer', 'user-agent'],
  cookies: true,
  internalHosts: [],
  exclude: [],
});

const FRAGMENT_MAX = 64;
const NAME_MAX = 64;
// Most body strings looked at; bodies are already capped in size and element count.
const MAX_BODY_VALUES = 100_000;

// Short values repeat across requests (enum values, codes, tags): their verdicts are remembered,
// per set of detector options, in bounded maps that start over when full. Detection is a pure
// function of the value and the options, so a cached verdict is the same verdict.
const CACHE_MAX_LENGTH = 128;
const CACHE_MAX_ENTRIES = 4096;
const verdictCaches = new Map<string, Map<string, Detection | null>>();

function cacheFor(options: DetectOptions): Map<string, Detection | null> {
  const key = `${[...(options.kinds ?? [])].sort().join(',')}|${(options.internalHosts ?? []).join(',')}`;
  let cache = verdictCaches.get(key);
  if (cache === undefined) {
    cache = new Map();
    verdictCaches.set(key, cache);
  }
  return cache;
}

// The detectors read at most MAX_INSPECTED_LENGTH characters of a value: a longer one is inspected
// in overlapping windows, so that no payload hides behind 64 KiB of padding.
const WINDOW_OVERLAP = 1024;

function detectWindows(value: string, options: DetectOptions): Detection | null {
  if (value.length <= MAX_INSPECTED_LENGTH) return detectInjection(value, options);
  const step = MAX_INSPECTED_LENGTH - WINDOW_OVERLAP;
  for (let at = 0; at < value.length; at += step) {
    const d = detectInjection(value.slice(at, at + MAX_INSPECTED_LENGTH), options);
    if (d !== null) return d;
    if (at + MAX_INSPECTED_LENGTH >= value.length) break;
  }
  return null;
}

function detectCached(
  value: string,
  options: DetectOptions,
  cache: Map<string, Detection | null> | null,
): Detection | null {
  if (cache === null || value.length > CACHE_MAX_LENGTH) return detectWindows(value, options);
  const hit = cache.get(value);
  if (hit !== undefined) return hit;
  const d = detectInjection(value, options);
  if (cache.size >= CACHE_MAX_ENTRIES) cache.clear();
  cache.set(value, d);
  return d;
}

interface Exclusion {
  readonly pattern: string;
  readonly prefix: boolean;
  readonly kinds: ReadonlySet<InjectionKind> | null;
}

function compileExclusions(list: readonly InspectExclusionConfig[], key: string): Exclusion[] {
  return list.map((e, i) => {
    const parameter = typeof e === 'string' ? e : e.parameter;
    const colon = parameter.indexOf(':');
    const where = colon < 0 ? '' : parameter.slice(0, colon);
    if (!['path', 'query', 'header', 'cookie', 'body'].includes(where)) {
      throw new ConfigError(
        `exclusion "${parameter.slice(0, 64)}" must start with path:, query:, header:, cookie: or body:`,
        {
          key: `${key}.${i}`,
          hint: 'e.g. query:q or body:/description',
        },
      );
    }
    const star = parameter.endsWith('*');
    const bare = star ? parameter.slice(0, -1) : parameter;
    // header names are case-insensitive; the others are compared as written
    const pattern = where === 'header' ? bare.toLowerCase() : bare;
    return {
      pattern,
      prefix: star,
      kinds: typeof e === 'string' || e.kinds === undefined ? null : new Set(e.kinds as InjectionKind[]),
    };
  });
}

function printable(name: string): string {
  // names come from the client: no control characters, bounded
  let clean = '';
  for (let i = 0; i < name.length && i < NAME_MAX; i++) {
    const code = name.charCodeAt(i);
    clean += code < 32 || code === 127 ? '?' : name[i];
  }
  return name.length <= NAME_MAX ? clean : `${clean.slice(0, NAME_MAX - 1)}…`;
}

function describe(parameter: string): string {
  const colon = parameter.indexOf(':');
  const where = parameter.slice(0, colon);
  const name = printable(parameter.slice(colon + 1));
  switch (where) {
    case 'path':
      return `path parameter "${name}"`;
    case 'query':
      return `query parameter "${name}"`;
    case 'header':
      return `header "${name}"`;
    case 'cookie':
      return `cookie "${name}"`;
    default:
      return name === '' ? 'the request body' : `body field ${name}`;
  }
}

function hasBody(ctx: RequestContext): boolean {
  const h = ctx.req.headers;
  if (h['transfer-encoding'] !== undefined) return true;
  const cl = h['content-length'];
  return cl !== undefined && cl !== '0';
}

/** Decode the body for inspection when the validate phase did not: JSON, forms, multipart text, text. */
async function bodyForInspection(
  ctx: RequestContext,
  maxBody: number,
  json: JsonLimits,
): Promise<ParsedBody | 'too_large' | undefined> {
  const header = ctx.req.headers['content-type'];
  if (header === undefined || !hasBody(ctx)) return undefined;
  const type = parseMediaType(header);
  if (type === undefined) return undefined;
  const kind = bodyKind(type.type);
  if (kind === 'other') return undefined;
  const bytes = await readBody(ctx, maxBody);
  if (bytes === null) return 'too_large';
  const text = decodeUtf8(bytes) ?? bytes.toString('latin1');
  if (kind === 'json') {
    const parsed = parseJsonSafely(text, json);
    // what cannot be parsed is still inspected, as text
    return parsed.ok ? { kind: 'json', value: parsed.value } : { kind: 'text', text };
  }
  if (kind === 'form') {
    const pairs = decodeFormPairs(bytes);
    return Array.isArray(pairs) ? { kind: 'form', fields: pairs } : { kind: 'text', text };
  }
  if (kind === 'multipart') {
    const boundary = type.params.get('boundary');
    if (boundary === undefined) return { kind: 'text', text };
    const parsed = parseMultipart(bytes, boundary, { maxParts: 1_000, maxPartBytes: maxBody });
    if (!parsed.ok) return { kind: 'text', text };
    const fields: [string, string][] = [];
    for (const part of parsed.parts) {
      if (part.filename !== undefined) continue;
      fields.push([part.name, decodeUtf8(part.data) ?? part.data.toString('latin1')]);
    }
    return { kind: 'multipart', fields };
  }
  return { kind: 'text', text };
}

class Found {
  readonly parameter: string;
  readonly detection: Detection;
  constructor(parameter: string, detection: Detection) {
    this.parameter = parameter;
    this.detection = detection;
  }
}

// Returned when a body has more values than inspection looks at: refused, never passed unseen.
const TOO_MANY = new Found('body:', { kind: 'sqli', rule: 'limits', score: 0, fragment: '' });
const TOO_MANY_REFUSAL = refuse('input.limits', 'the request carries more values than are inspected');
const QUERY_REFUSAL = refuse('request.query.too_many');

/** Compile inspection for one route (exported for tests). */
export function compileInspection(
  c: PolicyCompileContext,
  g: Readonly<InspectionConfig>,
  mode: 'enforce' | 'monitor',
) {
  const r = c.policy.inspect;
  const kinds = new Set<InjectionKind>((r?.kinds ?? g.kinds) as InjectionKind[]);
  const base: DetectOptions = { kinds, internalHosts: g.internalHosts };
  // a Referer or User-Agent naming localhost is not a request to fetch it
  const headerKinds = new Set([...kinds].filter((k) => k !== 'ssrf'));
  const headerOptions: DetectOptions = { kinds: headerKinds, internalHosts: g.internalHosts };
  const exclusions = [
    ...compileExclusions(g.exclude, 'inspection.exclude'),
    ...compileExclusions(r?.exclude ?? [], `inspect.exclude of ${c.method} ${c.template}`),
  ];
  const headers = g.headers.map((h) => h.toLowerCase());
  const maxBody = c.policy.maxBodyBytes ?? c.config.limits.maxBodyBytes;
  const v = (c.config.validation as ValidationConfig | undefined) ?? VALIDATION_DEFAULTS;
  const jsonLimits: JsonLimits = { maxDepth: v.maxJsonDepth, maxElements: v.maxJsonElements };
  const nosqlKeys = kinds.has('nosqli');
  const route = `${c.method} ${c.template}`;

  const optionsFor = (parameter: string, options: DetectOptions): DetectOptions | null => {
    if (exclusions.length === 0) return options;
    let out = options;
    for (const e of exclusions) {
      const hit = e.prefix ? parameter.startsWith(e.pattern) : parameter === e.pattern;
      if (!hit) continue;
      if (e.kinds === null) return null;
      const left = new Set([...(out.kinds ?? kinds)].filter((k) => !e.kinds!.has(k)));
      if (left.size === 0) return null;
      out = { ...out, kinds: left };
    }
    return out;
  };

  const caches = new Map<DetectOptions, Map<string, Detection | null>>([
    [base, cacheFor(base)],
    [headerOptions, cacheFor(headerOptions)],
  ]);
  const check = (parameter: string, value: string, options: DetectOptions = base): Found | null => {
    if (value === '') return null;
    const o = optionsFor(parameter, options);
    if (o === null) return null;
    // options narrowed by an exclusion are per parameter: not cached
    const d = detectCached(value, o, caches.get(o) ?? null);
    return d === null ? null : new Found(parameter, d);
  };
  const checkKey = (parameter: string, key: string): Found | null => {
    if (!nosqlKeys || key.indexOf('$') === -1) return null;
    const o = optionsFor(parameter, base);
    if (o === null || o.kinds?.has('nosqli') === false) return null;
    const d = detectNoSqlKey(key);
    return d === null ? null : new Found(parameter, d);
  };

  const walkJson = (value: unknown, pointer: string, budget: { left: number }): Found | null => {
    if (--budget.left < 0) return TOO_MANY;
    if (typeof value === 'string') return check(`body:${pointer}`, value);
    if (typeof value !== 'object' || value === null) return null;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const f = walkJson(value[i], `${pointer}/${i}`, budget);
        if (f !== null) return f;
      }
      return null;
    }
    for (const key of Object.keys(value)) {
      const at = `${pointer}/${escapePointer(key)}`;
      const k = checkKey(`body:${at}`, key);
      if (k !== null) return k;
      const f = walkJson((value as Record<string, unknown>)[key], at, budget);
      if (f !== null) return f;
    }
    return null;
  };

  const inspectBody = (body: ParsedBody): Found | null => {
    switch (body.kind) {
      case 'json':
        return walkJson(body.value, '', { left: MAX_BODY_VALUES });
      case 'form':
      case 'multipart':
        for (const [name, value] of body.fields) {
          const at = `body:/${escapePointer(name)}`;
          const found = checkKey(at, name) ?? check(at, value);
          if (found !== null) return found;
        }
        return null;
      case 'text':
        return check('body:', body.text);
    }
  };

  const refusal = (found: Found): Refusal => {
    const d = found.detection;
    const fragment = d.fragment.length <= FRAGMENT_MAX ? d.fragment : d.fragment.slice(0, FRAGMENT_MAX);
    return {
      code: `inject.${d.kind}` as RefusalCode,
      detail: `${describe(found.parameter)} was refused by the ${d.kind} detector`,
      evidence: `${printable(found.parameter)} ${d.rule}: ${fragment}`,
    };
  };

  return async function inspectRequest(ctx: RequestContext): Promise<Verdict> {
    let found: Found | null = null;
    for (const name in ctx.params) {
      const raw = ctx.params[name]!;
      found = check(`path:${name}`, decodePiece(raw, false) ?? raw);
      if (found !== null) break;
    }
    if (found === null && ctx.query !== '') {
      const parts = ctx.query.split('&', MAX_QUERY_PAIRS + 1);
      if (parts.length > MAX_QUERY_PAIRS) return { kind: 'refuse', refusal: QUERY_REFUSAL };
      for (const part of parts) {
        if (part === '') continue;
        const eq = part.indexOf('=');
        const rawKey = eq < 0 ? part : part.slice(0, eq);
        const key = decodePiece(rawKey, true) ?? rawKey;
        const bracket = key.indexOf('[');
        const parameter = `query:${bracket > 0 ? key.slice(0, bracket) : key}`;
        const rawValue = eq < 0 ? '' : part.slice(eq + 1);
        found = checkKey(parameter, key) ?? check(parameter, decodePiece(rawValue, true) ?? rawValue);
        if (found !== null) break;
      }
    }
    if (found === null) {
      for (const h of headers) {
        const value = ctx.req.headers[h];
        if (value === undefined) continue;
        found = check(`header:${h}`, Array.isArray(value) ? value.join(', ') : value, headerOptions);
        if (found !== null) break;
      }
    }
    if (found === null && g.cookies && ctx.req.headers.cookie !== undefined) {
      for (const [name, values] of parseCookies(ctx.req.headers.cookie)) {
        for (const value of values) {
          found = check(`cookie:${name}`, decodePiece(value, false) ?? value);
          if (found !== null) break;
        }
        if (found !== null) break;
      }
    }
    if (found === null) {
      let body = getParsedBody(ctx);
      if (body === undefined) {
        const read = await bodyForInspection(ctx, maxBody, jsonLimits);
        if (read === 'too_large') return { kind: 'refuse', refusal: refuse('request.body.too_large') };
        body = read;
      }
      if (body !== undefined) found = inspectBody(body);
    }
    if (found === null) return CONTINUE;
    if (found === TOO_MANY) return { kind: 'refuse', refusal: TOO_MANY_REFUSAL };
    const d = found.detection;
    const finding: InspectionFinding = {
      parameter: found.parameter,
      kind: d.kind,
      rule: d.rule,
      score: d.score,
      fragment: d.fragment.slice(0, FRAGMENT_MAX),
    };
    ctx.facts[INSPECTION_FACT] = finding;
    if (inspectionChannel.hasSubscribers) {
      inspectionChannel.publish({
        ...finding,
        requestId: ctx.requestId,
        route,
        mode,
      } satisfies InspectionEvent);
    }
    return { kind: 'refuse', refusal: refusal(found) };
  };
}

/** Injection detection on every request value (phase inspect). */
export const inspectPolicy: PolicyFactory = {
  name: 'inspect',
  phase: 'inspect',
  compile(c: PolicyCompileContext): PhaseEntry | null {
    // configs built in code (tests) may lack the section: its defaults apply
    const g = (c.config.inspection as InspectionConfig | undefined) ?? INSPECTION_DEFAULTS;
    const r = c.policy.inspect;
    if (!(r?.enabled ?? g.enabled)) return null;
    const mode = r?.mode ?? c.policy.mode ?? g.mode ?? c.mode;
    return { name: 'inspect', mode, run: compileInspection(c, g, mode) };
  },
};
