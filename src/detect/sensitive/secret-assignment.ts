import { match, type SensitiveMatch } from './types.ts';

// 'password=…', '"client_secret": "…"', 'Authorization: Bearer …' in free text (logs, form bodies, errors).
const ASSIGN_RE =
  /(?<![A-Za-z0-9])(?:pass(?:word|wd)?|pwd|secret|client_secret|api_?key|access_?token|refresh_?token|auth_?token|token)"?[ \t]{0,3}[:=][ \t]{0,3}("?)([^\s"'&,;<>{}$%*]{4,256})\1(?![^\s"'&,;<>{}])/gi;
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

/** Finds values assigned to secret-named keys and bearer tokens in free text. */
export function scanSecretAssignments(text: string, out: SensitiveMatch[]): void {
  ASSIGN_RE.lastIndex = 0;
  for (let m = ASSIGN_RE.exec(text); m !== null; m = ASSIGN_RE.exec(text)) {
    const value = m[2]!;
    if (PLACEHOLDERS.has(value.toLowerCase())) continue;
    const start = m.index + m[0].length - m[1]!.length - value.length;
    out.push(match('secret_field', 0.8, start, start + value.length, 'assignment'));
  }
  BEARER_RE.lastIndex = 0;
  for (let m = BEARER_RE.exec(text); m !== null; m = BEARER_RE.exec(text)) {
    const value = m[1]!;
    const start = m.index + m[0].length - value.length;
    out.push(match('secret_field', 0.85, start, start + value.length, 'bearer'));
  }
}
