import { isAlnum, isHex } from './chars.ts';
import { match, type SensitiveMatch } from './types.ts';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
// Dotted quads not part of a longer dotted number (OIDs, 5-part versions) or a word ('v1.2.3.4').
const IPV4_RE = new RegExp(`(?<![\\w.])(?:${OCTET}\\.){3}${OCTET}(?![\\w]|\\.\\d)`, 'g');
const IPV4_WHOLE = new RegExp(`^(?:${OCTET}\\.){3}${OCTET}$`);
const MAX_V6 = 45;

/** Finds IPv4 and IPv6 addresses. */
export function scanIps(text: string, out: SensitiveMatch[]): void {
  IPV4_RE.lastIndex = 0;
  for (let m = IPV4_RE.exec(text); m !== null; m = IPV4_RE.exec(text)) {
    // '1.2.3.4' is as likely a version as an address.
    const allSmall = m[0].length === 7;
    out.push(match('ip', allSmall ? 0.55 : 0.9, m.index, m.index + m[0].length, 'v4'));
  }
  scanIpv6(text, out);
}

function isV6Char(c: number): boolean {
  return isHex(c) || c === 58 || c === 46;
}

function scanIpv6(text: string, out: SensitiveMatch[]): void {
  const n = text.length;
  let i = text.indexOf(':');
  while (i !== -1) {
    // Expand the run of [0-9a-fA-F:.] around this colon.
    let s = i;
    while (s > 0 && isV6Char(text.charCodeAt(s - 1))) s--;
    let e = i;
    while (e < n && isV6Char(text.charCodeAt(e))) e++;
    const next = e;
    while (e > s && text.charCodeAt(e - 1) === 46) e--; // sentence full stop
    const before = s > 0 ? text.charCodeAt(s - 1) : 32;
    const after = next < n ? text.charCodeAt(next) : 32;
    if (e - s <= MAX_V6 && !isAlnum(before) && before !== 95 && !isAlnum(after) && after !== 95) {
      const groups = ipv6Groups(text.slice(s, e));
      if (groups > 0) out.push(match('ip', groups >= 3 ? 0.9 : 0.6, s, e, 'v6'));
    }
    i = next < n ? text.indexOf(':', next) : -1;
  }
}

/** The number of explicit 16-bit groups of a valid IPv6 address, or 0 when invalid. */
export function ipv6Groups(s: string): number {
  const parts = s.split('::');
  if (parts.length > 2) return 0;
  const compressed = parts.length === 2;
  let count = 0;
  let hexDigits = 0;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    if (part === '') continue;
    const groups = part.split(':');
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      const isLast = p === parts.length - 1 && g === groups.length - 1;
      if (isLast && group.includes('.')) {
        if (!IPV4_WHOLE.test(group)) return 0;
        count += 2;
        hexDigits++;
        continue;
      }
      if (group.length < 1 || group.length > 4) return 0;
      for (let k = 0; k < group.length; k++) if (!isHex(group.charCodeAt(k))) return 0;
      hexDigits++;
      count++;
    }
  }
  if (hexDigits === 0) return 0;
  if (compressed ? count > 7 : count !== 8) return 0;
  return count;
}
