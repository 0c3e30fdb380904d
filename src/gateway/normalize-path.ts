import type { RefusalCode } from '../errors.ts';

/** How paths are canonicalized before routing; fixed at load. */
export interface PathOptions {
  readonly trailingSlash: 'strict' | 'ignore' | 'redirect';
  readonly allowSemicolons: boolean;
  readonly maxLength: number;
}

/** The canonical form of a request target, or the reason it was refused. */
export type NormalizedTarget =
  | {
      readonly ok: true;
      /** Canonical path: percent-encoding only where needed, no dot segments, no empty segments. */
      readonly path: string;
      /** Raw query string without "?" ('' when absent), forwarded as received. */
      readonly query: string;
      /** Set when the trailing-slash policy is "redirect" and the client's path differs from `path`. */
      readonly redirect: boolean;
    }
  | { readonly ok: false; readonly code: RefusalCode; readonly detail: string };

const HEX = '0123456789ABCDEF';
// Characters that may stand in a path segment unencoded (RFC 3986 pchar minus "%"); ";" is checked apart.
const PCHAR = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@") {
  PCHAR[c.charCodeAt(0)] = 1;
}
const UNRESERVED = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~')
  UNRESERVED[c.charCodeAt(0)] = 1;

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

const fail = (code: RefusalCode, detail: string): NormalizedTarget => ({ ok: false, code, detail });

/**
 * Canonicalize a raw request target once, before routing, so that every policy and the upstream
 * see the same path. Refuses what servers disagree on rather than guessing: encoded "/", "\" and
 * NUL, double encoding, invalid UTF-8, dot segments escaping the root, and (by default) ";".
 * One pass over the input; no regular expressions.
 */
export function normalizeTarget(target: string, options: PathOptions): NormalizedTarget {
  if (target.length > options.maxLength) return fail('request.path.invalid', 'request target too long');
  let raw = target;
  if (raw.charCodeAt(0) !== 47 /* / */) {
    // absolute-form (RFC 9112 §3.2.2) from clients that talk to us as a proxy: keep only path and query
    const scheme = raw.startsWith('http://') ? 7 : raw.startsWith('https://') ? 8 : -1;
    if (scheme < 0) return fail('request.path.invalid', 'request target must be a path');
    const slash = raw.indexOf('/', scheme);
    const q = raw.indexOf('?', scheme);
    if (slash < 0 || (q >= 0 && q < slash)) raw = `/${q >= 0 ? raw.slice(q) : ''}`;
    else raw = raw.slice(slash);
  }
  const qIndex = raw.indexOf('?');
  const rawPath = qIndex < 0 ? raw : raw.slice(0, qIndex);
  const query = qIndex < 0 ? '' : raw.slice(qIndex + 1);
  if (query.includes('#') || rawPath.includes('#'))
    return fail('request.path.invalid', 'fragment in request target');
  if (isCanonical(rawPath)) {
    // already canonical but for a trailing slash: no segment array, no rebuilt string
    const trailing = rawPath.length > 1 && rawPath.charCodeAt(rawPath.length - 1) === 47;
    const path = trailing && options.trailingSlash !== 'strict' ? rawPath.slice(0, -1) : rawPath;
    return { ok: true, path, query, redirect: options.trailingSlash === 'redirect' && path !== rawPath };
  }
  return normalizePath(rawPath, query, options);
}

/**
 * The full pass over a path (from "/", without its query), with no fast path: normalizeTarget's
 * answer for every path; exported so that tests compare the two.
 */
export function normalizePath(rawPath: string, query: string, options: PathOptions): NormalizedTarget {
  const segments: string[] = [];
  let seg = '';
  // Bytes of a percent-encoded multi-byte sequence being collected, checked as UTF-8 at its end.
  let pending: number[] = [];
  const flushPending = (): boolean => {
    if (pending.length === 0) return true;
    const bytes = Uint8Array.from(pending);
    pending = [];
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return false;
    }
    for (const b of bytes) seg += `%${HEX[b >> 4]}${HEX[b & 15]}`;
    return true;
  };
  const endSegment = (): NormalizedTarget | null => {
    if (!flushPending()) return fail('request.path.encoding', 'invalid UTF-8 in path');
    if (seg === '.' || seg === '') {
      // "." and empty segments ("//") vanish
    } else if (seg === '..') {
      if (segments.length === 0) return fail('request.path.traversal', 'path escapes the root');
      segments.pop();
    } else {
      segments.push(seg);
    }
    seg = '';
    return null;
  };

  for (let i = 1; i <= rawPath.length; i++) {
    const c = i < rawPath.length ? rawPath.charCodeAt(i) : 47;
    if (c === 47 /* / */) {
      const err = endSegment();
      if (err !== null) return err;
      continue;
    }
    if (c === 37 /* % */) {
      const h = hexValue(rawPath.charCodeAt(i + 1));
      const l = hexValue(rawPath.charCodeAt(i + 2));
      if (h < 0 || l < 0) return fail('request.path.encoding', 'invalid percent-encoding');
      const byte = h * 16 + l;
      i += 2;
      if (byte === 0x2f || byte === 0x5c)
        return fail('request.path.encoding', 'encoded slash or backslash in path');
      if (byte === 0) return fail('request.path.encoding', 'NUL in path');
      if (
        byte === 0x25 &&
        hexValue(rawPath.charCodeAt(i + 1)) >= 0 &&
        hexValue(rawPath.charCodeAt(i + 2)) >= 0
      ) {
        return fail('request.path.encoding', 'double percent-encoding in path');
      }
      if (byte < 0x80) {
        if (!flushPending()) return fail('request.path.encoding', 'invalid UTF-8 in path');
        if (byte < 0x20 || byte === 0x7f) return fail('request.path.encoding', 'control character in path');
        if (byte === 0x3b && !options.allowSemicolons)
          return fail('request.path.invalid', '";" is not allowed in paths');
        // decode unreserved characters; keep every other one encoded, in upper-case hex
        seg += UNRESERVED[byte] === 1 ? String.fromCharCode(byte) : `%${HEX[h]}${HEX[l]}`;
      } else {
        pending.push(byte);
        if (pending.length > 4 * 256) return fail('request.path.encoding', 'path too long');
      }
      continue;
    }
    if (!flushPending()) return fail('request.path.encoding', 'invalid UTF-8 in path');
    if (c === 59 /* ; */) {
      if (!options.allowSemicolons) return fail('request.path.invalid', '";" is not allowed in paths');
      seg += ';';
      continue;
    }
    if (c === 92 /* \ */) return fail('request.path.encoding', 'backslash in path');
    if (c >= 128 || PCHAR[c] !== 1) return fail('request.path.invalid', 'invalid character in path');
    seg += rawPath[i];
  }

  let path = `/${segments.join('/')}`;
  const hadTrailing = rawPath.length > 1 && rawPath.endsWith('/') && segments.length > 0;
  if (hadTrailing && options.trailingSlash === 'strict') path += '/';
  // in "redirect" mode any rewrite (trailing slash, dot segments, "//", needless encoding) is a 308
  const redirect = options.trailingSlash === 'redirect' && path !== rawPath;
  return { ok: true, path, query, redirect };
}

/**
 * Whether a path (starting with "/") is already in canonical form, but maybe for one trailing "/":
 * only plain path characters (no "%", ";" or "\\"), no empty segment before the end, no "." or "..".
 * Such a path normalizes to itself, so the common request skips the full pass.
 */
function isCanonical(rawPath: string): boolean {
  let segStart = 1;
  for (let i = 1; i <= rawPath.length; i++) {
    const c = i < rawPath.length ? rawPath.charCodeAt(i) : 47;
    if (c === 47 /* / */) {
      const len = i - segStart;
      if (len === 0 && i < rawPath.length) return false;
      if (len === 1 && rawPath.charCodeAt(segStart) === 46) return false;
      if (len === 2 && rawPath.charCodeAt(segStart) === 46 && rawPath.charCodeAt(segStart + 1) === 46)
        return false;
      segStart = i + 1;
    } else if (c >= 128 || PCHAR[c] !== 1) return false;
  }
  return true;
}

/** Decode one canonical path segment for use as a parameter value (its encoding was checked already). */
export function decodeSegment(segment: string): string {
  return segment.includes('%') ? decodeURIComponent(segment) : segment;
}
