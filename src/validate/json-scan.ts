/**
 * One linear pass over JSON text, before JSON.parse, for what JSON.parse cannot tell: duplicate
 * keys (the last silently wins, and two parsers may disagree on which), keys that pollute
 * prototypes when the parsed object is merged (`__proto__`, `constructor`, `prototype`), and
 * nesting depth and element counts (bounded before any object is built).
 */

/** Caps on one JSON document. */
export interface JsonLimits {
  readonly maxDepth: number;
  readonly maxElements: number;
}

/** Why a JSON text is refused; `pointer` locates the offending key or value when known. */
export interface JsonScanFailure {
  readonly code: 'input.json' | 'input.prototype' | 'input.limits';
  readonly detail: string;
  readonly pointer?: string;
}

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Keys a request body may never carry, whatever the schema says. */
export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

/** Escape one JSON pointer segment (RFC 6901). */
export function escapePointer(segment: string): string {
  return segment.indexOf('~') === -1 && segment.indexOf('/') === -1
    ? segment
    : segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

interface Frame {
  readonly object: boolean;
  /** Keys seen in this object; null for arrays. */
  readonly keys: Set<string> | null;
  /** The current key (objects) or index (arrays), for pointers. */
  at: string | number;
  expectKey: boolean;
}

function pointerOf(stack: readonly Frame[], last?: string): string {
  let p = '';
  for (const f of stack) {
    if (f.object && f === stack[stack.length - 1] && last !== undefined) break;
    p += `/${escapePointer(String(f.at))}`;
  }
  return last === undefined ? p : `${p}/${escapePointer(last)}`;
}

// Characters that end a number or literal token.
function isDelimiter(c: number): boolean {
  return c === 44 || c === 93 || c === 125 || c === 58 || c === 32 || c === 10 || c === 13 || c === 9;
}

/**
 * Scan JSON text for duplicate and forbidden keys and for depth and element caps. Returns null when
 * none is found; syntax is left to JSON.parse, but a text the scanner cannot follow is refused.
 */
export function scanJson(text: string, limits: JsonLimits): JsonScanFailure | null {
  const stack: Frame[] = [];
  let elements = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) {
      i++;
      continue;
    }
    const top = stack.length === 0 ? undefined : stack[stack.length - 1]!;
    if (c === 34) {
      // a string: its closing quote is the first one after an even run of backslashes (indexOf
      // searches natively, which matters for long values)
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) {
          j = n;
          break;
        }
        let b = q - 1;
        while (b > i && text.charCodeAt(b) === 92) b--;
        j = q;
        if (((q - 1 - b) & 1) === 0) break;
        j = q + 1;
      }
      if (j >= n) return { code: 'input.json', detail: 'unterminated string' };
      if (top?.object === true && top.expectKey) {
        let key = text.slice(i + 1, j);
        if (key.indexOf('\\') !== -1) {
          try {
            key = JSON.parse(text.slice(i, j + 1)) as string;
          } catch {
            return { code: 'input.json', detail: 'malformed string escape' };
          }
        }
        if (FORBIDDEN_KEYS.has(key)) {
          return { code: 'input.prototype', detail: 'forbidden key', pointer: pointerOf(stack, key) };
        }
        if (top.keys!.has(key)) {
          return { code: 'input.prototype', detail: 'duplicate key', pointer: pointerOf(stack, key) };
        }
        top.keys!.add(key);
        top.at = key;
        top.expectKey = false;
      } else if (++elements > limits.maxElements) {
        return { code: 'input.limits', detail: 'too many elements' };
      }
      i = j + 1;
      continue;
    }
    if (c === 123 || c === 91) {
      if (++elements > limits.maxElements) return { code: 'input.limits', detail: 'too many elements' };
      if (stack.length >= limits.maxDepth) {
        return { code: 'input.limits', detail: 'nested too deep', pointer: pointerOf(stack) };
      }
      const object = c === 123;
      stack.push({ object, keys: object ? new Set() : null, at: object ? '' : 0, expectKey: object });
      i++;
      continue;
    }
    if (c === 125 || c === 93) {
      if (top === undefined || top.object !== (c === 125))
        return { code: 'input.json', detail: 'unbalanced' };
      stack.pop();
      i++;
      continue;
    }
    if (c === 44) {
      if (top === undefined) return { code: 'input.json', detail: 'unexpected comma' };
      if (top.object) top.expectKey = true;
      else top.at = (top.at as number) + 1;
      i++;
      continue;
    }
    if (c === 58) {
      i++;
      continue;
    }
    // a number or a literal: one element, up to the next delimiter
    if (++elements > limits.maxElements) return { code: 'input.limits', detail: 'too many elements' };
    i++;
    while (i < n && !isDelimiter(text.charCodeAt(i))) i++;
  }
  if (stack.length !== 0) return { code: 'input.json', detail: 'unbalanced' };
  return null;
}

/**
 * Parse JSON text after scanning it: the parsed value, or why it is refused. Malformed JSON gets
 * a fixed detail (JSON.parse's message would echo part of the input).
 */
export function parseJsonSafely(
  text: string,
  limits: JsonLimits,
): { ok: true; value: unknown } | { ok: false; failure: JsonScanFailure } {
  const failure = scanJson(text, limits);
  if (failure !== null) return { ok: false, failure };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, failure: { code: 'input.json', detail: 'malformed JSON' } };
  }
}
