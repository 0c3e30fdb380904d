/**
 * OpenAPI parameter deserialization (`style` / `explode`, RFC 6570 expansions), compiled once per
 * operation. Delimiters are found in the raw (percent-encoded) text and each piece is decoded
 * after splitting, so an encoded `%2C` is a comma inside a value, never a separator.
 *
 *   query:  form (default, explode), spaceDelimited, pipeDelimited, deepObject
 *   path:   simple (default), label (`.`), matrix (`;`)
 *   header: simple
 *   cookie: form
 *
 * Undeclared query parameters are refused unless the operation allows them, and a single-valued
 * query parameter given twice is refused (HTTP parameter pollution: servers disagree on which wins).
 */
import type { ProblemError } from '../errors.ts';
import type { Parameter, ParameterLocation } from '../openapi/operations.ts';
import {
  acceptsAnyProperty,
  coerce,
  declaredProperties,
  itemSchema,
  propertySchema,
  shapeOf,
} from './coerce.ts';
import { escapePointer, isForbiddenKey, type JsonLimits, parseJsonSafely } from './json-scan.ts';
import { violation } from './violations.ts';

/** Most query pairs looked at; the gateway's own query cap is normally far lower. */
export const MAX_QUERY_PAIRS = 1_000;
/** Most pieces one serialized array or object value splits into. */
export const MAX_PIECES = 1_000;
/** Deepest `a[b][c]` key of a deepObject parameter. */
const MAX_DEEP_OBJECT_DEPTH = 4;

/** Headers that OpenAPI says a header parameter may not describe: they are ignored. */
const IGNORED_HEADERS: ReadonlySet<string> = new Set(['accept', 'content-type', 'authorization']);

type Bag = Record<string, unknown>;

/** What a request carries, as the gateway saw it. */
export interface RawParameters {
  /** The query string without `?`, percent-encoded. */
  readonly query: string;
  /** Path parameters, percent-encoded. */
  readonly path: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Deserialized parameters by location (prototype-less), and what could not be deserialized. */
export interface DeserializedParameters {
  readonly values: Record<ParameterLocation, Bag>;
  readonly violations: ProblemError[];
}

interface CompiledParameter {
  readonly p: Parameter;
  readonly style: string;
  readonly explode: boolean;
  readonly shape: 'array' | 'object' | 'primitive';
  /** For a `content` parameter: its value is JSON text. */
  readonly json: boolean;
  /** For exploded form objects: the query names the object takes. */
  readonly properties: ReadonlySet<string> | null;
  readonly openObject: boolean;
}

export interface ParameterOptions {
  readonly unknownQuery: 'refuse' | 'allow';
  readonly json: JsonLimits;
}

const DEFAULT_STYLE: Record<ParameterLocation, string> = {
  query: 'form',
  path: 'simple',
  header: 'simple',
  cookie: 'form',
};

const STYLES: Record<ParameterLocation, ReadonlySet<string>> = {
  query: new Set(['form', 'spaceDelimited', 'pipeDelimited', 'deepObject']),
  path: new Set(['simple', 'label', 'matrix']),
  header: new Set(['simple']),
  cookie: new Set(['form']),
};

/** Thrown at compile time for a parameter the deserializer cannot honour (the caller adds where). */
export class ParameterError extends Error {
  override readonly name = 'ParameterError';
}

function bag(): Bag {
  return Object.create(null) as Bag;
}

/** Decode one percent-encoded piece; `+` is a space in query and form text. Undefined when malformed. */
export function decodePiece(raw: string, plusIsSpace: boolean): string | undefined {
  const s = plusIsSpace && raw.indexOf('+') !== -1 ? raw.replaceAll('+', ' ') : raw;
  if (s.indexOf('%') === -1) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Split raw text on a delimiter, at most MAX_PIECES pieces (undefined beyond). */
function splitRaw(raw: string, delimiter: string | RegExp): string[] | undefined {
  const out = raw.split(delimiter as string, MAX_PIECES + 1);
  return out.length > MAX_PIECES ? undefined : out;
}

// The spellings of the space and pipe delimiters in a raw query value.
const SPACE = /%20|\+/i;
const PIPE = /%7C|\|/i;

/** Compile one operation's parameters. Throws ParameterError for an unsupported style. */
export function compileParameters(parameters: readonly Parameter[], options: ParameterOptions) {
  const compiled: CompiledParameter[] = [];
  for (const p of parameters) {
    const style = p.style ?? DEFAULT_STYLE[p.in];
    if (!STYLES[p.in].has(style)) {
      throw new ParameterError(`style "${style}" is not defined for ${p.in} parameters (${p.name})`);
    }
    const explode = p.explode ?? style === 'form';
    const shape = shapeOf(p.schema);
    if (style === 'deepObject' && shape !== 'object') {
      throw new ParameterError(`deepObject style needs an object schema (${p.name})`);
    }
    const content = p.raw.content;
    const json =
      typeof content === 'object' &&
      content !== null &&
      Object.keys(content).some((t) => t === 'application/json' || t.endsWith('+json'));
    const exploded =
      shape === 'object' &&
      explode &&
      (style === 'form' || style === 'spaceDelimited' || style === 'pipeDelimited');
    compiled.push({
      p,
      style,
      explode,
      shape,
      json,
      properties: exploded ? declaredProperties(p.schema) : null,
      openObject: exploded && acceptsAnyProperty(p.schema),
    });
  }
  const byLocation = (loc: ParameterLocation) => compiled.filter((c) => c.p.in === loc);
  const query = byLocation('query');
  const path = byLocation('path');
  const header = byLocation('header').filter((c) => !IGNORED_HEADERS.has(c.p.name.toLowerCase()));
  const cookie = byLocation('cookie');
  const queryNames = new Set(query.map((c) => c.p.name));
  const deepPrefixes = query.filter((c) => c.style === 'deepObject').map((c) => `${c.p.name}[`);

  /** Deserialize the parameters of one request; no schema check yet (see the validate policy). */
  return function deserialize(raw: RawParameters): DeserializedParameters {
    const violations: ProblemError[] = [];
    const values: Record<ParameterLocation, Bag> = {
      path: bag(),
      query: bag(),
      header: bag(),
      cookie: bag(),
    };

    const finish = (c: CompiledParameter, target: Bag, value: unknown): void => {
      if (c.json && typeof value === 'string') {
        const parsed = parseJsonSafely(value, options.json);
        if (!parsed.ok) {
          violations.push(violation(`/${c.p.in}/${escapePointer(c.p.name)}`, 'is not valid JSON'));
          return;
        }
        target[c.p.name] = parsed.value;
        return;
      }
      target[c.p.name] = value;
    };

    // query: group the pairs by decoded name, keeping raw values for delimiter splitting
    if (query.length > 0 || raw.query !== '') {
      const pairs = new Map<string, string[]>();
      const used = new Set<string>();
      const parts = raw.query === '' ? [] : raw.query.split('&', MAX_QUERY_PAIRS + 1);
      if (parts.length > MAX_QUERY_PAIRS) violations.push(violation('/query', 'has too many parameters'));
      for (const part of parts.slice(0, MAX_QUERY_PAIRS)) {
        if (part === '') continue;
        const eq = part.indexOf('=');
        const name = decodePiece(eq < 0 ? part : part.slice(0, eq), true);
        if (name === undefined) {
          violations.push(violation('/query', 'has a malformed percent-encoding'));
          continue;
        }
        const list = pairs.get(name);
        const value = eq < 0 ? '' : part.slice(eq + 1);
        if (list === undefined) pairs.set(name, [value]);
        else list.push(value);
      }
      for (const c of query) deserializeQuery(c, pairs, used, values.query, violations, finish);
      if (options.unknownQuery === 'refuse') {
        for (const name of pairs.keys()) {
          if (used.has(name) || queryNames.has(name)) continue;
          if (deepPrefixes.some((d) => name.startsWith(d))) continue;
          violations.push(violation(`/query/${escapePointer(name)}`, 'is not a declared parameter'));
        }
      }
    }

    for (const c of path) {
      const rawValue = raw.path[c.p.name];
      if (rawValue === undefined) continue;
      const value = deserializePath(c, rawValue);
      if (value === undefined)
        violations.push(
          violation(`/path/${escapePointer(c.p.name)}`, `is not a valid ${c.style}-style value`),
        );
      else finish(c, values.path, value);
    }

    for (const c of header) {
      const h = raw.headers[c.p.name.toLowerCase()];
      if (h === undefined) continue;
      const text = Array.isArray(h) ? h.join(', ') : h;
      const value = splitSimple(c, text, (s) => s.trim());
      if (value === undefined)
        violations.push(violation(`/header/${escapePointer(c.p.name)}`, 'is not a valid simple-style value'));
      else finish(c, values.header, value);
    }

    if (cookie.length > 0) {
      const cookieHeader = raw.headers.cookie;
      const jar = parseCookies(Array.isArray(cookieHeader) ? cookieHeader.join('; ') : (cookieHeader ?? ''));
      for (const c of cookie) deserializeCookie(c, jar, values.cookie, violations, finish);
    }
    return { values, violations };
  };
}

type Finish = (c: CompiledParameter, target: Bag, value: unknown) => void;

/** `k1,v1,k2,v2` → object, values coerced by the property schemas. */
function pairsToObject(c: CompiledParameter, pieces: readonly string[]): Bag | undefined {
  if (pieces.length % 2 !== 0) return undefined;
  const out = bag();
  for (let i = 0; i < pieces.length; i += 2) {
    const k = pieces[i]!;
    out[k] = coerce(pieces[i + 1]!, propertySchema(c.p.schema, k));
  }
  return out;
}

/** `k1=v1,k2=v2` pieces → object. */
function assignmentsToObject(c: CompiledParameter, pieces: readonly string[]): Bag | undefined {
  const out = bag();
  for (const piece of pieces) {
    const eq = piece.indexOf('=');
    if (eq < 0) return undefined;
    const k = piece.slice(0, eq);
    out[k] = coerce(piece.slice(eq + 1), propertySchema(c.p.schema, k));
  }
  return out;
}

function arrayOf(c: CompiledParameter, pieces: readonly string[]): unknown[] {
  const items = itemSchema(c.p.schema);
  return pieces.map((s) => coerce(s, items));
}

/** Simple style (path and header): `v`, `a,b,c`, `k,v,k,v` or exploded `k=v,k=v`. */
function splitSimple(c: CompiledParameter, raw: string, decode: (s: string) => string | undefined): unknown {
  if (c.json) return decode(raw);
  if (c.shape === 'primitive') {
    const d = decode(raw);
    return d === undefined ? undefined : coerce(d, c.p.schema);
  }
  const pieces = splitRaw(raw, ',');
  if (pieces === undefined) return undefined;
  if (c.shape === 'array') {
    const decoded = mapDefined(pieces, decode);
    return decoded === undefined ? undefined : arrayOf(c, decoded);
  }
  if (c.explode) {
    const decoded = mapDefined(pieces, decode);
    return decoded === undefined ? undefined : assignmentsToObject(c, decoded);
  }
  const decoded = mapDefined(pieces, decode);
  return decoded === undefined ? undefined : pairsToObject(c, decoded);
}

function mapDefined(pieces: readonly string[], f: (s: string) => string | undefined): string[] | undefined {
  const out: string[] = [];
  for (const p of pieces) {
    const d = f(p);
    if (d === undefined) return undefined;
    out.push(d);
  }
  return out;
}

const pathDecode = (s: string) => decodePiece(s, false);

function deserializePath(c: CompiledParameter, raw: string): unknown {
  if (c.style === 'simple') return splitSimple(c, raw, pathDecode);
  if (c.style === 'label') {
    if (!raw.startsWith('.')) return undefined;
    const rest = raw.slice(1);
    if (c.shape === 'primitive' || c.json) return splitSimple(c, rest, pathDecode);
    if (!c.explode) return splitSimple(c, rest, pathDecode);
    const pieces = splitRaw(rest, '.');
    const decoded = pieces === undefined ? undefined : mapDefined(pieces, pathDecode);
    if (decoded === undefined) return undefined;
    return c.shape === 'array' ? arrayOf(c, decoded) : assignmentsToObject(c, decoded);
  }
  // matrix: `;name=v`, `;name=a,b`, exploded `;name=a;name=b` or `;k=v;k2=v2`
  if (!raw.startsWith(';')) return undefined;
  const segments = splitRaw(raw.slice(1), ';');
  if (segments === undefined) return undefined;
  if (c.shape === 'object' && c.explode) {
    const decoded = mapDefined(segments, pathDecode);
    return decoded === undefined ? undefined : assignmentsToObject(c, decoded);
  }
  const values: string[] = [];
  for (const seg of segments) {
    const eq = seg.indexOf('=');
    const name = pathDecode(eq < 0 ? seg : seg.slice(0, eq));
    if (name !== c.p.name) return undefined;
    values.push(eq < 0 ? '' : seg.slice(eq + 1));
  }
  if (c.shape === 'array' && c.explode) {
    const decoded = mapDefined(values, pathDecode);
    return decoded === undefined ? undefined : arrayOf(c, decoded);
  }
  if (values.length !== 1) return undefined;
  return splitSimple(c, values[0]!, pathDecode);
}

const queryDecode = (s: string) => decodePiece(s, true);

function deserializeQuery(
  c: CompiledParameter,
  pairs: Map<string, string[]>,
  used: Set<string>,
  target: Bag,
  violations: ProblemError[],
  finish: Finish,
): void {
  const name = c.p.name;
  const at = `/query/${escapePointer(name)}`;
  if (c.style === 'deepObject') {
    const obj = bag();
    let any = false;
    for (const [key, list] of pairs) {
      if (!key.startsWith(`${name}[`)) continue;
      used.add(key);
      const path = bracketPath(key.slice(name.length));
      if (path === undefined) {
        violations.push(violation(at, 'has a malformed deepObject key'));
        continue;
      }
      if (path.some(isForbiddenKey)) {
        violations.push(violation(at, 'has a forbidden key'));
        continue;
      }
      if (list.length > 1) {
        violations.push(violation(`${at}/${path.map(escapePointer).join('/')}`, 'is given more than once'));
        continue;
      }
      const value = queryDecode(list[0]!);
      if (value === undefined) {
        violations.push(violation(at, 'has a malformed percent-encoding'));
        continue;
      }
      setDeep(obj, path, value, c.p.schema);
      any = true;
    }
    if (any) target[name] = obj;
    return;
  }
  if (c.shape === 'object' && c.explode && !c.json) {
    // exploded form object: its properties are query parameters of their own
    const obj = bag();
    let any = false;
    for (const [key, list] of pairs) {
      if (key === name && !c.properties!.has(key)) continue;
      if (!c.properties!.has(key) && !c.openObject) continue;
      if (used.has(key)) continue;
      used.add(key);
      if (list.length > 1) {
        violations.push(violation(`/query/${escapePointer(key)}`, 'is given more than once'));
        continue;
      }
      const value = queryDecode(list[0]!);
      if (value === undefined) {
        violations.push(violation(`/query/${escapePointer(key)}`, 'has a malformed percent-encoding'));
        continue;
      }
      obj[key] = coerce(value, propertySchema(c.p.schema, key));
      any = true;
    }
    if (any) target[name] = obj;
    return;
  }
  const list = pairs.get(name);
  if (list === undefined) return;
  used.add(name);
  if (c.shape === 'array' && c.explode) {
    const decoded = mapDefined(list, queryDecode);
    if (decoded === undefined || decoded.length > MAX_PIECES)
      violations.push(violation(at, 'has a malformed percent-encoding'));
    else target[name] = arrayOf(c, decoded);
    return;
  }
  if (list.length > 1) {
    violations.push(violation(at, 'is given more than once'));
    return;
  }
  const rawValue = list[0]!;
  if (c.shape === 'primitive' || c.json) {
    const d = queryDecode(rawValue);
    if (d === undefined) violations.push(violation(at, 'has a malformed percent-encoding'));
    else finish(c, target, c.json ? d : coerce(d, c.p.schema));
    return;
  }
  const delimiter = c.style === 'spaceDelimited' ? SPACE : c.style === 'pipeDelimited' ? PIPE : ',';
  const pieces = splitRaw(rawValue, delimiter);
  const decoded = pieces === undefined ? undefined : mapDefined(pieces, queryDecode);
  if (decoded === undefined) {
    violations.push(violation(at, `is not a valid ${c.style}-style value`));
    return;
  }
  const value = c.shape === 'array' ? arrayOf(c, decoded) : pairsToObject(c, decoded);
  if (value === undefined) violations.push(violation(at, `is not a valid ${c.style}-style value`));
  else target[name] = value;
}

/** `[a][b]` → ['a', 'b'], or undefined when malformed or deeper than the cap. */
function bracketPath(rest: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < rest.length) {
    if (rest[i] !== '[') return undefined;
    const close = rest.indexOf(']', i + 1);
    if (close < 0) return undefined;
    out.push(rest.slice(i + 1, close));
    if (out.length > MAX_DEEP_OBJECT_DEPTH) return undefined;
    i = close + 1;
  }
  return out.length === 0 ? undefined : out;
}

function setDeep(obj: Bag, path: readonly string[], value: string, schema: unknown): void {
  let node = obj;
  let s = schema;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    s = propertySchema(s, k);
    const next = node[k];
    if (typeof next === 'object' && next !== null) node = next as Bag;
    else {
      const created = bag();
      node[k] = created;
      node = created;
    }
  }
  const last = path[path.length - 1]!;
  node[last] = coerce(value, propertySchema(s, last));
}

/** Cookie header → name → raw values (in order; a name may repeat). */
export function parseCookies(header: string): Map<string, string[]> {
  const jar = new Map<string, string[]>();
  if (header === '') return jar;
  for (const part of header.split(';', MAX_QUERY_PAIRS)) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === '') continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    const list = jar.get(name);
    if (list === undefined) jar.set(name, [value]);
    else list.push(value);
  }
  return jar;
}

// Cookie values are often not percent-encoded at all: decode when it is valid, else keep the text.
const cookieDecode = (s: string) => decodePiece(s, false) ?? s;

function deserializeCookie(
  c: CompiledParameter,
  jar: Map<string, string[]>,
  target: Bag,
  violations: ProblemError[],
  finish: Finish,
): void {
  const name = c.p.name;
  if (c.shape === 'object' && c.explode && !c.json) {
    const obj = bag();
    let any = false;
    for (const key of c.properties ?? []) {
      const list = jar.get(key);
      if (list === undefined) continue;
      obj[key] = coerce(cookieDecode(list[0]!), propertySchema(c.p.schema, key));
      any = true;
    }
    if (any) target[name] = obj;
    return;
  }
  const list = jar.get(name);
  if (list === undefined) return;
  if (c.shape === 'array' && c.explode) {
    target[name] = arrayOf(c, list.map(cookieDecode));
    return;
  }
  // browsers may send one name twice (two paths); the first is the most specific
  const value = splitSimple(c, list[0]!, cookieDecode);
  if (value === undefined)
    violations.push(violation(`/cookie/${escapePointer(name)}`, 'is not a valid form-style value'));
  else finish(c, target, value);
}
