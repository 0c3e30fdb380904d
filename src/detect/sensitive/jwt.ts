import { isAlnum } from './chars.ts';
import { match, type SensitiveMatch } from './types.ts';

const MAX_HEADER = 2048;
const MAX_SEGMENT = 16384;

function isB64Url(c: number): boolean {
  return isAlnum(c) || c === 45 || c === 95;
}

function segmentEnd(text: string, from: number, max: number): number {
  const n = text.length;
  let j = from;
  while (j < n && j - from <= max && isB64Url(text.charCodeAt(j))) j++;
  return j;
}

/** The decoded JOSE header when seg is base64url of a JSON object naming an `alg`, else null. */
function joseHeader(seg: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(seg, 'base64url').toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    const header = parsed as Record<string, unknown>;
    return typeof header.alg === 'string' ? header : null;
  } catch {
    return null;
  }
}

/** Finds JWS (three parts) and JWE (five parts) compact tokens whose header decodes to JSON with `alg`. */
export function scanJwts(text: string, out: SensitiveMatch[]): void {
  const n = text.length;
  // Every JSON header begins '{"' whose base64url is 'eyJ'; '{ "' or '{\n' variants are vanishingly rare.
  for (let s = text.indexOf('eyJ'); s !== -1; s = text.indexOf('eyJ', s + 1)) {
    if (s > 0 && isB64Url(text.charCodeAt(s - 1))) continue;
    const h = segmentEnd(text, s, MAX_HEADER);
    if (h >= n || h - s > MAX_HEADER || text.charCodeAt(h) !== 46) continue;
    const header = joseHeader(text.slice(s, h));
    if (header === null) continue;
    const parts = [h];
    let j = h;
    while (parts.length < 5 && j < n && text.charCodeAt(j) === 46) {
      j = segmentEnd(text, j + 1, MAX_SEGMENT);
      parts.push(j);
    }
    const isJwe = typeof header.enc === 'string';
    const want = isJwe ? 5 : 3;
    if (parts.length < want) continue;
    const end = parts[want - 1]!;
    if (end < n && (isB64Url(text.charCodeAt(end)) || text.charCodeAt(end) === 46)) continue;
    // A JWS payload must be present (it is the claims); its signature may be empty only for alg none.
    if (!isJwe && parts[1]! - parts[0]! < 2) continue;
    out.push(match('jwt', 0.98, s, end, isJwe ? 'jwe' : String(header.alg).slice(0, 16)));
    s = end - 1;
  }
}
