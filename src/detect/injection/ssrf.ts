/**
 * Server-side request forgery: URLs (and bare hosts) that point inside — loopback, private,
 * link-local, CGNAT, cloud metadata — in any spelling a resolver accepts: inet_aton forms
 * (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`), IPv6 with embedded IPv4, userinfo tricks
 * (`http://a@127.0.0.1`, where parsers disagree on which `@` ends the userinfo), wildcard DNS
 * services that resolve to an embedded address, and host names the configuration calls internal.
 */
import type { Detection, Inspection } from './types.ts';
import { detection } from './types.ts';

const INTERNAL_NAMES: ReadonlySet<string> = new Set([
  'localhost',
  'localhost.localdomain',
  'ip6-localhost',
  'ip6-loopback',
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'kubernetes.default',
  'kubernetes.default.svc',
  'localtest.me',
  'lvh.me',
  'vcap.me',
]);
// Internal names that are also ordinary words: internal only inside a URL.
const BARE_WORDS: ReadonlySet<string> = new Set(['metadata', 'instance-data']);

const INTERNAL_SUFFIXES: readonly string[] = [
  '.localhost',
  '.internal',
  '.local',
  '.localdomain',
  '.localtest.me',
  '.lvh.me',
  '.svc.cluster.local',
];
// Wildcard DNS services: `10.0.0.1.nip.io` resolves to 10.0.0.1.
const WILDCARD_DNS: readonly string[] = ['.nip.io', '.sslip.io', '.xip.io', '.traefik.me', '.localtest.me'];
const RISKY_SCHEMES: ReadonlySet<string> = new Set([
  'gopher',
  'dict',
  'file',
  'ldap',
  'tftp',
  'jar',
  'netdoc',
]);

/** Parse an IPv4 address the way inet_aton does (1 to 4 parts, decimal, octal or hex). */
export function parseIpv4Loose(host: string): number | null {
  if (host.length === 0 || host.length > 64) return null;
  const trimmed = host.endsWith('.') ? host.slice(0, -1) : host;
  const parts = trimmed.split('.');
  if (parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    let v: number;
    if (/^0x[0-9a-f]*$/.test(part)) v = part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) v = Number.parseInt(part, 8);
    else if (/^[0-9]+$/.test(part)) v = Number.parseInt(part, 10);
    else return null;
    if (!Number.isSafeInteger(v)) return null;
    values.push(v);
  }
  const last = values.pop()!;
  for (const v of values) if (v > 255) return null;
  const lastMax = 2 ** (8 * (4 - values.length));
  if (last >= lastMax) return null;
  let addr = 0;
  for (let i = 0; i < values.length; i++) addr += values[i]! * 2 ** (8 * (3 - i));
  return addr + last;
}

/** True when an IPv4 address (as a 32-bit number) is not publicly routable. */
export function isInternalIpv4(addr: number): boolean {
  const a = Math.floor(addr / 2 ** 24);
  const b = Math.floor(addr / 2 ** 16) % 256;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && Math.floor(addr / 256) % 256 === 0) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

/** Parse an IPv6 literal (without brackets) to 8 groups; null when malformed. */
function parseIpv6(host: string): number[] | null {
  if (host.length > 64 || host.indexOf(':') === -1) return null;
  let text = host;
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  // An embedded IPv4 tail (`::ffff:127.0.0.1`) becomes two hex groups.
  const lastColon = text.lastIndexOf(':');
  const lastPart = text.slice(lastColon + 1);
  if (lastPart.indexOf('.') !== -1) {
    const v4 = parseIpv4Loose(lastPart);
    if (v4 === null) return null;
    text = `${text.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === null || rest === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const fill = 8 - head.length - rest.length;
  if (fill < 1) return null;
  return [...head, ...new Array<number>(fill).fill(0), ...rest];
}

/** True when an IPv6 address is loopback, unspecified, ULA, link-local, or maps an internal IPv4. */
function isInternalIpv6(groups: readonly number[]): boolean {
  const g = (i: number): number => groups[i] ?? 0;
  const firstSixZero = g(0) === 0 && g(1) === 0 && g(2) === 0 && g(3) === 0 && g(4) === 0;
  if (firstSixZero && g(5) === 0 && g(6) === 0 && g(7) <= 1) return true; // :: and ::1
  const v4 = g(6) * 65536 + g(7);
  if (firstSixZero && (g(5) === 0xffff || g(5) === 0)) return isInternalIpv4(v4); // mapped / compatible
  if (g(0) === 0x64 && g(1) === 0xff9b) return isInternalIpv4(v4); // NAT64
  if ((g(0) & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((g(0) & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((g(0) & 0xff00) === 0xff00) return true; // multicast
  return false;
}

function matchesConfigured(host: string, internalHosts: readonly string[]): boolean {
  for (const entry of internalHosts) {
    const e = entry.toLowerCase();
    if (e.startsWith('*.')) {
      if (host.endsWith(e.slice(1))) return true;
    } else if (e.startsWith('.')) {
      if (host.endsWith(e) || host === e.slice(1)) return true;
    } else if (host === e) return true;
  }
  return false;
}

/** Why a host is internal, or null. `loose` accepts every inet_aton spelling (inside URLs). */
function classifyHost(rawHost: string, internalHosts: readonly string[], loose: boolean): string | null {
  let host = rawHost.trim();
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    const groups = parseIpv6(host.slice(1, close === -1 ? host.length : close));
    return groups !== null && isInternalIpv6(groups) ? 'ssrf.internal-ipv6' : null;
  }
  // Drop the port.
  const colon = host.lastIndexOf(':');
  if (colon !== -1) host = host.slice(0, colon);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '') return null;
  if (matchesConfigured(host, internalHosts)) return 'ssrf.configured-host';
  if (INTERNAL_NAMES.has(host)) return 'ssrf.internal-name';
  for (const suffix of INTERNAL_SUFFIXES) if (host.endsWith(suffix)) return 'ssrf.internal-name';
  for (const suffix of WILDCARD_DNS) {
    if (host.endsWith(suffix)) {
      const embedded = host.slice(0, -suffix.length);
      const dashed = embedded.split('.').pop()!.replaceAll('-', '.');
      const m = /(?:^|[.-])(\d{1,3}(?:[.-]\d{1,3}){3})$/.exec(embedded);
      const candidate = m !== null ? m[1]!.replaceAll('-', '.') : dashed;
      const v4 = parseIpv4Loose(candidate);
      if (v4 !== null && isInternalIpv4(v4)) return 'ssrf.wildcard-dns';
    }
  }
  const strictQuad = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  if (loose || strictQuad) {
    const v4 = parseIpv4Loose(host);
    if (v4 !== null && isInternalIpv4(v4)) {
      return v4 === 0xa9fea9fe || v4 === 0xa9feaa02 || v4 === 0x646464c8
        ? 'ssrf.metadata'
        : 'ssrf.internal-ip';
    }
  }
  return null;
}

// End of an authority: path, query, fragment, whitespace or quotes.
function authorityEnd(text: string, from: number): number {
  let k = from;
  while (k < text.length && k - from < 512) {
    const c = text[k]!;
    if ('/?#\\ \t\r\n"\'<>`'.includes(c)) break;
    k += 1;
  }
  return k;
}

/** Every host an authority may be read as: after the first and after the last `@`. */
function candidateHosts(authority: string): string[] {
  const first = authority.indexOf('@');
  if (first === -1) return [authority];
  const last = authority.lastIndexOf('@');
  const afterFirst = authority.slice(first + 1);
  const firstHost = afterFirst.split('@')[0]!;
  return [authority.slice(last + 1), firstHost, afterFirst];
}

/** Detect SSRF targets in the canonical view of a value. */
export function detectSsrf(input: Inspection): Detection | null {
  const text = input.text;
  const configured = input.internalHosts;
  let from = 0;
  let urls = 0;
  while (urls < 256) {
    const sep = text.indexOf(':', from);
    if (sep === -1) break;
    from = sep + 1;
    // WHATWG URL parsing treats `\` like `/` after special schemes: `http:\\127.0.0.1`.
    if (text[sep + 1] !== '/' && text[sep + 1] !== '\\') continue;
    urls += 1;
    // The scheme: letters right before the colon.
    let s = sep;
    while (s > 0 && s > sep - 16 && /[a-z0-9+.-]/.test(text[s - 1]!)) s -= 1;
    const scheme = text.slice(s, sep);
    if (scheme === '' || !/^[a-z]/.test(scheme)) continue;
    let k = sep + 1;
    let slashes = 0;
    while ((text[k] === '/' || text[k] === '\\') && slashes < 4) {
      k += 1;
      slashes += 1;
    }
    if (slashes < 2) continue;
    const end = authorityEnd(text, k);
    const authority = text.slice(k, end);
    for (const host of candidateHosts(authority)) {
      const why = classifyHost(host, configured, true);
      if (why !== null) return detection('ssrf', why, 0.9, text, s, end + 24);
    }
    if (RISKY_SCHEMES.has(scheme)) return detection('ssrf', 'ssrf.scheme', 0.75, text, s, end + 24);
  }
  // A bare host (the whole value): `127.0.0.1:8080`, `[::1]`, `localhost`, `10.0.0.5/admin`.
  const bare = text.trim();
  // a bare `metadata` is a word (`?include=metadata`); only in a URL is it GCP's short host name
  if (bare.length > 0 && bare.length <= 256 && !/\s/.test(bare) && !BARE_WORDS.has(bare)) {
    const start = bare.startsWith('//') ? 2 : 0;
    const end = authorityEnd(bare, start);
    const authority = bare.slice(start, end);
    for (const host of candidateHosts(authority)) {
      const why = classifyHost(host, configured, start === 2);
      if (why !== null) return detection('ssrf', why, 0.8, text, 0, end);
    }
  }
  return null;
}
