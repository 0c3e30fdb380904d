/**
 * Type coercion of serialized values (parameters, form fields, multipart text parts): a value on
 * the wire is a string; the schema says what it denotes. A string becomes a number, integer,
 * boolean or null only when it is exactly that type's JSON spelling and the schema allows that
 * type; otherwise it stays a string and the schema judges it (so `limit=abc` is "must be integer",
 * and `007`, ` 1` or `1_000` are not integers).
 */

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const MAX_NUMBER_TEXT = 64;
const MAX_DEPTH = 8;

const typeMemo = new WeakMap<object, ReadonlySet<string>>();

/** Every JSON type a schema may accept, following composition one level at a time (bounded). */
export function typesOf(schema: unknown, depth = 0): ReadonlySet<string> {
  if (!isObj(schema)) return new Set();
  const memo = typeMemo.get(schema);
  if (memo !== undefined) return memo;
  const out = new Set<string>();
  const t = schema.type;
  if (typeof t === 'string') out.add(t);
  else if (Array.isArray(t)) for (const x of t) if (typeof x === 'string') out.add(x);
  if (schema.nullable === true) out.add('null');
  const values = Array.isArray(schema.enum) ? schema.enum : 'const' in schema ? [schema.const] : [];
  for (const v of values)
    out.add(v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);
  if (out.size === 0 && isObj(schema.properties)) out.add('object');
  if (out.size === 0 && (isObj(schema.items) || Array.isArray(schema.prefixItems))) out.add('array');
  if (depth < MAX_DEPTH) {
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = schema[key];
      if (Array.isArray(list)) for (const sub of list) for (const x of typesOf(sub, depth + 1)) out.add(x);
    }
  }
  if (out.has('integer') && out.has('number')) out.delete('integer');
  typeMemo.set(schema, out);
  return out;
}

/** Whether a serialized parameter denotes an array, an object, or a single value. */
export function shapeOf(schema: unknown): 'array' | 'object' | 'primitive' {
  const types = typesOf(schema);
  if (types.has('array') && !types.has('object')) return 'array';
  if (types.has('object') && !types.has('array')) return 'object';
  return 'primitive';
}

/** A string on the wire as the type the schema gives it (see the module comment). */
export function coerce(raw: string, schema: unknown): unknown {
  const types = typesOf(schema);
  if (types.size === 0 || (types.size === 1 && types.has('string'))) return raw;
  if (raw.length <= MAX_NUMBER_TEXT) {
    if (types.has('integer') && INTEGER.test(raw)) return Number(raw);
    if (types.has('number') && NUMBER.test(raw)) return Number(raw);
  }
  if (types.has('boolean')) {
    if (raw === 'true') return true;
    if (raw === 'false') return false;
  }
  if (types.has('null') && !types.has('string') && (raw === '' || raw === 'null')) return null;
  return raw;
}

function fromComposition(schema: Json, pick: (s: Json) => unknown, depth: number): unknown {
  if (depth >= MAX_DEPTH) return undefined;
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = schema[key];
    if (!Array.isArray(list)) continue;
    for (const sub of list) {
      if (!isObj(sub)) continue;
      const found = pick(sub) ?? fromComposition(sub, pick, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The schema of property `name` of an object schema (declared, in a branch, or additional). */
export function propertySchema(schema: unknown, name: string): unknown {
  if (!isObj(schema)) return undefined;
  const own = (s: Json): unknown =>
    isObj(s.properties) && Object.hasOwn(s.properties, name) ? s.properties[name] : undefined;
  const found = own(schema) ?? fromComposition(schema, own, 0);
  if (found !== undefined) return found;
  return isObj(schema.additionalProperties) ? schema.additionalProperties : undefined;
}

/** Whether an object schema accepts properties it does not name (free-form or a map). */
export function acceptsAnyProperty(schema: unknown): boolean {
  if (!isObj(schema)) return true;
  const ap = schema.additionalProperties;
  if (ap === false) return false;
  if (isObj(ap) || ap === true) return true;
  return (
    !isObj(schema.properties) &&
    !Array.isArray(schema.allOf) &&
    !Array.isArray(schema.anyOf) &&
    !Array.isArray(schema.oneOf)
  );
}

/** The names an object schema declares, in its own properties and its branches. */
export function declaredProperties(schema: unknown, depth = 0): Set<string> {
  const out = new Set<string>();
  if (!isObj(schema)) return out;
  if (isObj(schema.properties)) for (const k of Object.keys(schema.properties)) out.add(k);
  if (depth < MAX_DEPTH) {
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = schema[key];
      if (Array.isArray(list))
        for (const sub of list) for (const k of declaredProperties(sub, depth + 1)) out.add(k);
    }
  }
  return out;
}

/** The schema of an array's items (or the first prefix item). */
export function itemSchema(schema: unknown): unknown {
  if (!isObj(schema)) return undefined;
  if (isObj(schema.items)) return schema.items;
  if (Array.isArray(schema.prefixItems)) return schema.prefixItems[0];
  return fromComposition(schema, (s) => (isObj(s.items) ? s.items : undefined), 0);
}
