/** What a path segment looks like when it is a value rather than a name. */
export type SegmentKind = 'id' | 'uuid' | 'hex' | 'token' | 'date' | 'email';

/** The longest segment classified; longer ones are treated as values (`token`) without matching. */
export const MAX_SEGMENT = 256;

// Every pattern is anchored with bounded, non-overlapping quantifiers: linear time.
const NUMERIC = /^\d{1,20}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const HEX = /^[0-9a-fA-F]{12,256}$/;
const DATE = /^\d{4}-\d{2}-\d{2}(T[0-9:.]{2,18}(Z|[+-]\d{2}:?\d{2})?)?$/;
const EMAIL = /^[^@\s/]{1,64}@[^@\s/.]{1,63}(\.[^@\s/.]{1,63}){1,8}$/;
const TOKEN = /^[A-Za-z0-9_+-]{16,256}={0,2}$/;

function hasDigit(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

function mixedCase(s: string): boolean {
  let lower = false;
  let upper = false;
  for (let i = 0; i < s.length && !(lower && upper); i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = true;
    else if (c >= 65 && c <= 90) upper = true;
  }
  return lower && upper;
}

/**
 * The kind of value a (decoded) segment holds, or null for a name. Hex and base64 tokens need a digit
 * (and base64, mixed case) so that long words such as `configuration` stay names.
 */
export function classifySegment(segment: string): SegmentKind | null {
  if (segment.length === 0) return null;
  if (segment.length > MAX_SEGMENT) return 'token';
  if (NUMERIC.test(segment)) return 'id';
  if (segment.length === 36 && UUID.test(segment)) return 'uuid';
  if (DATE.test(segment)) return 'date';
  if (segment.includes('@') && EMAIL.test(segment)) return 'email';
  if (HEX.test(segment) && hasDigit(segment)) return 'hex';
  if (TOKEN.test(segment) && hasDigit(segment) && mixedCase(segment)) return 'token';
  return null;
}

/** Split a path (no query) into decoded segments; a segment that does not decode is kept as is. */
export function splitPath(path: string): string[] {
  const q = path.indexOf('?');
  const p = q === -1 ? path : path.slice(0, q);
  const out: string[] = [];
  for (const raw of p.split('/')) {
    if (raw === '') continue;
    let s = raw;
    try {
      s = decodeURIComponent(raw);
    } catch {
      // keep the raw text: an undecodable segment is still a segment
    }
    out.push(s);
  }
  return out;
}

/** A parameter name for a value after `prev` (`users` + id → `userId`), unique within `used`. */
export function paramName(prev: string | undefined, kind: SegmentKind, used: Set<string>): string {
  let base: string;
  const word = prev !== undefined && /^[A-Za-z][A-Za-z0-9_-]{0,40}$/.test(prev) ? prev : undefined;
  if (word === undefined) base = kind === 'id' || kind === 'uuid' ? 'id' : kind;
  else {
    const singular = word.length > 3 && word.endsWith('s') ? word.slice(0, -1) : word;
    const camel = singular.replace(/[-_]([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
    base = `${camel}${kind === 'id' || kind === 'uuid' ? 'Id' : kind[0]!.toUpperCase() + kind.slice(1)}`;
  }
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}${i}`;
  used.add(name);
  return name;
}

/** One templated segment: a literal name or a parameter of a kind. */
export type TemplateSegment =
  | { readonly literal: string }
  | { readonly param: string; readonly kind: SegmentKind | 'learned' };

/** Template a path from the look of each segment alone. */
export function templateSegments(path: string): TemplateSegment[] {
  const used = new Set<string>();
  const segs = splitPath(path);
  return segs.map((s, i) => {
    const kind = classifySegment(s);
    if (kind === null) return { literal: s };
    return { param: paramName(segs[i - 1], kind, used), kind };
  });
}

/** The OpenAPI path template of segments (`/users/{userId}`). */
export function templateString(segments: readonly TemplateSegment[]): string {
  if (segments.length === 0) return '/';
  return `/${segments.map((s) => ('literal' in s ? s.literal.replace(/[{}]/g, '') : `{${s.param}}`)).join('/')}`;
}
