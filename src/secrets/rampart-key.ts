import { BASE62, crc32Base62, hasCrc32Suffix } from './checksum.ts';

/** Characters of randomness in a Rampart API key, after the `rk_live_` / `rk_test_` prefix. */
export const RAMPART_KEY_RANDOM_LENGTH = 32;
/** Fewest random bytes `formatRampartKey` accepts: 24 bytes = 192 bits ≥ log2(62^32) ≈ 190.5 bits. */
export const RAMPART_KEY_MIN_RANDOM_BYTES = 24;

const SHAPE = /^rk_(?:live|test)_[0-9A-Za-z]{38}$/;

/**
 * Formats a Rampart API key: `rk_<env>_` + 32 base62 characters drawn from `random` + the 6-character
 * base62 CRC32 of those 32 characters (the GitHub token scheme, so scanners can tell a real key from a
 * look-alike). Pass at least 24 bytes from `crypto.randomBytes`; 32 bytes make the mapping uniform.
 */
export function formatRampartKey(random: Buffer, env: 'live' | 'test'): string {
  if (random.length < RAMPART_KEY_MIN_RANDOM_BYTES) {
    throw new RangeError(`formatRampartKey needs at least ${RAMPART_KEY_MIN_RANDOM_BYTES} random bytes`);
  }
  if (env !== 'live' && env !== 'test') throw new RangeError('formatRampartKey env must be live or test');
  // The whole buffer as one integer, reduced mod 62^32: with ≥ 24 bytes every output is reachable.
  let n = BigInt(`0x${random.toString('hex')}`);
  let body = '';
  for (let i = 0; i < RAMPART_KEY_RANDOM_LENGTH; i++) {
    body = BASE62[Number(n % 62n)] + body;
    n /= 62n;
  }
  return `rk_${env}_${body}${crc32Base62(body)}`;
}

/** True when `key` has the Rampart API key shape and its last 6 characters are the CRC32 of the 32 before. */
export function verifyRampartKeyChecksum(key: string): boolean {
  if (typeof key !== 'string' || !SHAPE.test(key)) return false;
  return hasCrc32Suffix(key.slice(8));
}
