/** Media types (RFC 9110 §8.3.1): parsing a Content-Type and matching it against declared types. */

/** A parsed media type: lower-case `type/subtype` and its parameters (names lower-case). */
export interface MediaType {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
}

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,127}$/;
const MAX_PARAMS = 16;

/** Parse a Content-Type value; undefined when it is not a media type. */
export function parseMediaType(value: string): MediaType | undefined {
  if (value.length > 1024) return undefined;
  const semi = value.indexOf(';');
  const essence = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const slash = essence.indexOf('/');
  if (slash < 0 || !TOKEN.test(essence.slice(0, slash)) || !TOKEN.test(essence.slice(slash + 1)))
    return undefined;
  const params = new Map<string, string>();
  if (semi >= 0) {
    const parts = value.slice(semi + 1).split(';', MAX_PARAMS + 1);
    if (parts.length > MAX_PARAMS) return undefined;
    for (const part of parts) {
      const eq = part.indexOf('=');
      if (eq < 0) {
        if (part.trim() === '') continue;
        return undefined;
      }
      const name = part.slice(0, eq).trim().toLowerCase();
      let v = part.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replaceAll('\\"', '"');
      if (!TOKEN.test(name) || params.has(name)) return undefined;
      params.set(name, v);
    }
  }
  return { type: essence, params };
}

/** The `type/subtype` of a declared media type key (which may carry parameters), lower-case. */
export function essenceOf(declared: string): string {
  const semi = declared.indexOf(';');
  return (semi < 0 ? declared : declared.slice(0, semi)).trim().toLowerCase();
}

/**
 * The declared key that a request's media type matches: exact first, then `type/*`, then `*\/*`.
 * Undefined when none does.
 */
export function matchMediaType(type: string, declared: readonly string[]): string | undefined {
  let range: string | undefined;
  let any: string | undefined;
  const major = type.slice(0, type.indexOf('/'));
  for (const key of declared) {
    const e = essenceOf(key);
    if (e === type) return key;
    if (e === `${major}/*`) range ??= key;
    else if (e === '*/*') any ??= key;
  }
  return range ?? any;
}

/** How the gateway reads a body of this media type. */
export type BodyKind = 'json' | 'form' | 'multipart' | 'text' | 'other';

/** JSON (`application/json`, `*+json`), form, multipart, text-like (XML, text/*) or other bytes. */
export function bodyKind(type: string): BodyKind {
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'multipart/form-data') return 'multipart';
  if (type.startsWith('text/') || type === 'application/xml' || type.endsWith('+xml')) return 'text';
  return 'other';
}
