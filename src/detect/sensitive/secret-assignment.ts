import { match, type SensitiveMatch } from './types.ts';

// 'password=…', '"client_secret": "…"', 'Authorization: Bearer …' in free text (logs, form bodies, errors).
const ASSIGN_RE =
  /(?<![A-Za-z0-9])(?:pass(?:word|wd)?|pwd|secret(?:_?key)?|client_secret|api_?key|(?:secret_)?access_?key|private_?key|access_?token|refresh_?token|auth_?token|token)["']?\]?[ \t]{0,3}[:=][ \t]{0,3}(["']?)([^\s"'&,;<>{}$%*]{4,256})\1(?![^\s"'&,;<>{}\]])/gi;
// Credentials in a URL's userinfo: 'mysql://root:s3cret@db:3306'.
const USERINFO_RE = /[^\s:/@]{1,128}:([^\s/@]{1,256})@/y;
// Placeholders and schema words that documentation puts where a secret would go.
const PLACEHOLDERS: ReadonlySet<string> = new Set([
  'null',
  'true',
  'false',
  'none',
  'undefined',
  'string',
  'required',
  'optional',
  'redacted',
  'hidden',
  'xxxx',
  'xxxxxxxx',
  'example',
  'changeme',
  'your-token',
  'your-password',
  'your-secret',
]);
const BEARER_RE = /(?<![A-Za-z0-9])Bearer[ \t]{1,3}([A-Za-z0-9._~+/-]{16,4096}=*)(?![A-Za-z0-9._~+/=-])/g;

/** Finds values assigned to secret-named keys, passwords in URLs and bearer tokens in free text. */
export function scanSecretAssignments(text: string, out: SensitiveMatch[]): void {
  ASSIGN_RE.lastIndex = 0;
  for (let m = ASSIGN_RE.exec(text); m !== null; m = ASSIGN_RE.exec(text)) {
    const value = m[2]!;
    if (PLACEHOLDERS.has(value.toLowerCase())) continue;
    const start = m.index + m[0].length - m[1]!.length - value.length;
    out.push(match('secret_field', 0.8, start, start + value.length, 'assignment'));
  }
  for (let p = text.indexOf('://'); p !== -1; p = text.indexOf('://', p + 3)) {
    USERINFO_RE.lastIndex = p + 3;
    const m = USERINFO_RE.exec(text);
    if (m === null) continue;
    const value = m[1]!;
    if (PLACEHOLDERS.has(value.toLowerCase())) continue;
    const start = p + 3 + m[0].length - 1 - value.length;
    out.push(match('secret_field', 0.85, start, start + value.length, 'url'));
  }
  BEARER_RE.lastIndex = 0;
  for (let m = BEARER_RE.exec(text); m !== null; m = BEARER_RE.exec(text)) {
    const value = m[1]!;
    const start = m.index + m[0].length - value.length;
    out.push(match('secret_field', 0.85, start, start + value.length, 'bearer'));
  }
}
