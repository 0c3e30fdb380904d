import { crc32 } from 'node:zlib';

/** The base62 alphabet GitHub and npm use for token checksums: digits, upper case, lower case. */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Encodes a non-negative integer in base62, left-padded with '0' to `width` characters. */
export function base62Encode(value: number, width: number): string {
  let out = '';
  let n = Math.floor(value);
  while (n > 0) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out.padStart(width, '0');
}

/** The 6-character base62 CRC32 of `body`, the checksum suffix of GitHub, npm and Rampart tokens. */
export function crc32Base62(body: string): string {
  return base62Encode(crc32(body), 6);
}

/**
 * True when the last 6 characters of `token` are the base62 CRC32 of the characters before them.
 * `token` is the part after the prefix (e.g. after `ghp_`). Not secret-dependent timing: a checksum
 * is public data, so a plain comparison is fine here.
 */
export function hasCrc32Suffix(token: string): boolean {
  if (token.length <= 6) return false;
  const body = token.slice(0, -6);
  return crc32Base62(body) === token.slice(-6);
}
