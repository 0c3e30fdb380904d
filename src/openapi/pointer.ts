/** Escape one JSON pointer reference token (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Build a JSON pointer from a base pointer and more reference tokens. */
export function joinPointer(base: string, ...tokens: readonly (string | number)[]): string {
  let out = base;
  for (const token of tokens) out += `/${escapePointerToken(String(token))}`;
  return out;
}

/**
 * Split a JSON pointer into unescaped reference tokens; `undefined` when it is not a pointer.
 * `~1` is decoded before `~0` so that `~01` stays the literal `~1` (RFC 6901 §4).
 */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer.slice(1).split('/');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!token.includes('~')) continue;
    // A `~` not followed by 0 or 1 is malformed.
    for (let j = 0; j < token.length; j++) {
      if (token[j] === '~' && token[j + 1] !== '0' && token[j + 1] !== '1') return undefined;
    }
    tokens[i] = token.replaceAll('~1', '/').replaceAll('~0', '~');
  }
  return tokens;
}

/** Decode the fragment of a `$ref` (`#/a/b%20c`) into a JSON pointer; `undefined` when malformed. */
export function fragmentToPointer(fragment: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(fragment);
  } catch {
    return undefined;
  }
  return decoded === '' || decoded.startsWith('/') ? decoded : undefined;
}
