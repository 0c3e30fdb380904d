/** Plausible, harmless values for parameters and bodies, derived from their JSON Schemas. */
import { randomUUID } from 'node:crypto';

type Schema = Readonly<Record<string, unknown>>;

const MAX_DEPTH = 5;
const MAX_PROPERTIES = 50;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeOf(schema: Schema): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x): x is string => typeof x === 'string' && x !== 'null');
  if (isObject(schema.properties)) return 'object';
  return undefined;
}

function stringFor(schema: Schema, name: string): string {
  const format = typeof schema.format === 'string' ? schema.format : '';
  switch (format) {
    case 'email':
      return 'scan@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/';
    case 'uuid':
      return randomUUID();
    case 'date':
      return '2024-01-01';
    case 'date-time':
      return '2024-01-01T00:00:00Z';
    case 'ipv4':
      return '192.0.2.1';
    default:
  }
  const min = typeof schema.minLength === 'number' ? Math.min(schema.minLength, 256) : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : 64;
  const base = /url|uri|link|href/i.test(name) ? 'https://example.com/' : 'rampart';
  let s = base.length > max ? base.slice(0, Math.max(1, max)) : base;
  while (s.length < min) s += 'x';
  return s;
}

function first(list: unknown): unknown {
  return Array.isArray(list) && list.length > 0 ? list[0] : undefined;
}

/** An example value for a schema: example, default, const, first enum, else built from the type. */
export function exampleValue(schema: Schema | undefined, name = '', depth = 0): unknown {
  if (schema === undefined || depth > MAX_DEPTH) return 'rampart';
  if (schema.example !== undefined) return schema.example;
  const examples = first(schema.examples);
  if (examples !== undefined) return examples;
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  const e = first(schema.enum);
  if (e !== undefined) return e;
  for (const key of ['oneOf', 'anyOf'] as const) {
    const alt = first(schema[key]);
    if (isObject(alt)) return exampleValue(alt, name, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    const merged: Record<string, unknown> = {};
    for (const part of schema.allOf) {
      const v = isObject(part) ? exampleValue(part, name, depth + 1) : undefined;
      if (isObject(v)) Object.assign(merged, v);
    }
    return merged;
  }
  switch (typeOf(schema)) {
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : 1;
      return Math.max(min, 1);
    }
    case 'boolean':
      return true;
    case 'array':
      return [exampleValue(isObject(schema.items) ? schema.items : undefined, name, depth + 1)];
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = isObject(schema.properties) ? schema.properties : {};
      let n = 0;
      for (const [key, sub] of Object.entries(props)) {
        if (++n > MAX_PROPERTIES || key === '__proto__') break;
        if (isObject(sub) && sub.readOnly === true) continue;
        out[key] = exampleValue(isObject(sub) ? sub : undefined, key, depth + 1);
      }
      return out;
    }
    default:
      return stringFor(schema, name);
  }
}

/** Whether a schema (or a parameter name) describes a URL the server may fetch. */
export function looksLikeUrl(name: string, schema: Schema | undefined): boolean {
  const format = schema?.format;
  if (format === 'uri' || format === 'url' || format === 'iri') return true;
  return /^(url|uri|link|href|src|callback|webhook|endpoint|target|feed|image_?url|avatar_?url|redirect(_?(url|uri))?|return_?url|next)$/i.test(
    name,
  );
}

/** Top-level properties of an object schema (name → schema). */
export function objectProperties(schema: Schema | undefined): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  if (schema === undefined) return out;
  const add = (s: unknown): void => {
    if (!isObject(s)) return;
    if (isObject(s.properties)) {
      for (const [k, v] of Object.entries(s.properties)) if (isObject(v) && k !== '__proto__') out[k] = v;
    }
    if (Array.isArray(s.allOf)) for (const part of s.allOf) add(part);
  };
  add(schema);
  return out;
}
