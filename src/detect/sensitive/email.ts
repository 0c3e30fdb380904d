import { isAlnum, isAlpha } from './chars.ts';
import { match, type SensitiveMatch } from './types.ts';

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
// Names like 'icon@2x.png' are asset files, not mailboxes.
const FILE_TLDS: ReadonlySet<string> = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'svg',
  'webp',
  'ico',
  'css',
  'js',
]);

function isLocalChar(c: number): boolean {
  // Conservative subset of RFC 5322 atext: letters, digits and . _ % + -
  return isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}

function isDomainChar(c: number): boolean {
  return isAlnum(c) || c === 45 || c === 46;
}

/** Finds e-mail addresses (dot-atom local part, a domain with at least one dot and an alphabetic TLD). */
export function scanEmails(text: string, out: SensitiveMatch[]): void {
  const n = text.length;
  let lastEnd = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    // Local part: walk left over allowed chars, bounded.
    let s = at;
    while (s > lastEnd && at - s < MAX_LOCAL && isLocalChar(text.charCodeAt(s - 1))) s--;
    if (s > 0 && isLocalChar(text.charCodeAt(s - 1))) continue; // longer than 64: not an address
    while (s < at && !isAlnum(text.charCodeAt(s))) s++; // trim leading '.', '+', '-' …
    if (s === at || text.charCodeAt(at - 1) === 46) continue;
    // Domain: walk right, bounded.
    let e = at + 1;
    while (e < n && e - at <= MAX_DOMAIN && isDomainChar(text.charCodeAt(e))) e++;
    while (e > at + 1 && (text.charCodeAt(e - 1) === 46 || text.charCodeAt(e - 1) === 45)) e--;
    if (e < n && (isAlnum(text.charCodeAt(e)) || text.charCodeAt(e) === 64)) continue;
    if (!domainValid(text.slice(at + 1, e)) || !localValid(text.slice(s, at))) continue;
    out.push(match('email', 0.95, s, e));
    lastEnd = e;
    at = e - 1;
  }
}

function localValid(local: string): boolean {
  return local.length > 0 && !local.includes('..') && local[local.length - 1] !== '.';
}

function domainValid(domain: string): boolean {
  if (domain.length < 4 || domain.length > MAX_DOMAIN) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  for (const label of labels) {
    if (label.length === 0 || label.length > 63) return false;
    if (label[0] === '-' || label[label.length - 1] === '-') return false;
  }
  const tld = labels[labels.length - 1]!;
  if (tld.length < 2) return false;
  for (let k = 0; k < tld.length; k++) if (!isAlpha(tld.charCodeAt(k))) return false;
  return !FILE_TLDS.has(tld.toLowerCase());
}
