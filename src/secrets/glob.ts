/** One compiled gitignore-style pattern (also the allowlist's path syntax). */
export interface GlobPattern {
  readonly negated: boolean;
  /** Matches directories only (the pattern ended with `/`). */
  readonly dirOnly: boolean;
  readonly segments: readonly SegmentMatcher[];
}

/** `**` (any number of path segments) or a single-segment matcher. */
type SegmentMatcher = '**' | readonly CharToken[];

type CharToken =
  | { readonly kind: 'star' }
  | { readonly kind: 'any' }
  | { readonly kind: 'lit'; readonly ch: string }
  | { readonly kind: 'class'; readonly negated: boolean; readonly items: readonly string[] };

const MAX_PATTERN = 1024;

function tokenizeSegment(seg: string): CharToken[] {
  const tokens: CharToken[] = [];
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] as string;
    if (c === '\\' && i + 1 < seg.length) {
      tokens.push({ kind: 'lit', ch: seg[++i] as string });
    } else if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') {
      tokens.push({ kind: 'any' });
    } else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) {
        tokens.push({ kind: 'lit', ch: c });
        continue;
      }
      let body = seg.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      const items: string[] = [];
      for (let j = 0; j < body.length; j++) {
        if (body[j + 1] === '-' && j + 2 < body.length) {
          items.push(`${body[j]}-${body[j + 2]}`);
          j += 2;
        } else items.push(body[j] as string);
      }
      tokens.push({ kind: 'class', negated, items });
      i = close;
    } else {
      tokens.push({ kind: 'lit', ch: c });
    }
  }
  return tokens;
}

function tokenMatches(t: CharToken, ch: string): boolean {
  switch (t.kind) {
    case 'any':
      return true;
    case 'lit':
      return t.ch === ch;
    case 'class': {
      const hit = t.items.some((it) => (it.length === 3 ? ch >= it[0]! && ch <= it[2]! : it === ch));
      return hit !== t.negated;
    }
    default:
      return false;
  }
}

/**
 * Wildcard matching by the greedy two-pointer method: O(pattern × text), never exponential, because
 * only the most recent star is ever backtracked to.
 */
function matchStars<P, T>(
  pattern: readonly P[],
  text: readonly T[],
  isStar: (p: P) => boolean,
  one: (p: P, t: T) => boolean,
): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const tok = pattern[p];
    if (tok !== undefined && !isStar(tok) && one(tok, text[t] as T)) {
      p++;
      t++;
    } else if (tok !== undefined && isStar(tok)) {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else return false;
  }
  while (p < pattern.length && isStar(pattern[p] as P)) p++;
  return p === pattern.length;
}

function segmentMatches(tokens: readonly CharToken[], name: string): boolean {
  return matchStars(tokens, [...name], (t) => t.kind === 'star', tokenMatches);
}

/** Compiles one gitignore line; null for blank lines and comments. */
export function compileGlob(line: string): GlobPattern | null {
  let s = line.length > MAX_PATTERN ? line.slice(0, MAX_PATTERN) : line;
  if (s.startsWith('#') || s.trim() === '') return null;
  s = s.replace(/(?<!\\)[ \t]{1,1024}$/, '');
  const negated = s.startsWith('!');
  if (negated) s = s.slice(1);
  if (s.startsWith('\\#') || s.startsWith('\\!')) s = s.slice(1);
  const dirOnly = s.endsWith('/');
  if (dirOnly) s = s.slice(0, -1);
  // A pattern with a slash before its end is anchored to its base; otherwise it matches at any depth.
  const anchored = s.includes('/');
  if (s.startsWith('/')) s = s.slice(1);
  if (s === '') return null;
  const parts = s.split('/').map((p): SegmentMatcher => (p === '**' ? '**' : tokenizeSegment(p)));
  return { negated, dirOnly, segments: anchored ? parts : ['**', ...parts] };
}

/** True when `pattern` matches `relPath` (forward slashes, relative to the pattern's base). */
export function globMatches(pattern: GlobPattern, relPath: string, isDir: boolean): boolean {
  if (pattern.dirOnly && !isDir) return false;
  const parts = relPath.split('/').filter((p) => p !== '');
  return matchStars(
    pattern.segments,
    parts,
    (s) => s === '**',
    (s, name) => s !== '**' && segmentMatches(s, name),
  );
}

/** True when `pattern` matches `relPath` or any directory above it (a matched directory covers its files). */
export function globMatchesPathOrParent(pattern: GlobPattern, relPath: string): boolean {
  const parts = relPath.split('/').filter((p) => p !== '');
  for (let i = 1; i <= parts.length; i++) {
    if (globMatches(pattern, parts.slice(0, i).join('/'), i < parts.length)) return true;
  }
  return false;
}
