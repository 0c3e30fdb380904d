import { createHmac, type KeyObject, randomBytes } from 'node:crypto';
import { formatRampartKey, verifyRampartKeyChecksum } from '../secrets/rampart-key.ts';

/** Which environment a key is for; it shows in the prefix (`rk_live_`, `rk_test_`). */
export type KeyEnv = 'live' | 'test';

/** Characters of a key shown in listings and logs: the prefix and 4 random characters. */
export const KEY_DISPLAY_LENGTH = 12;
/** Fewest bytes a pepper may have: it is an HMAC key, so 256 bits. */
export const MIN_PEPPER_BYTES = 32;

/**
 * A new API key: `rk_<env>_` + 32 base62 characters from 32 random bytes (≈190 bits after the
 * base62 reduction of 256) + a CRC32 checksum, so scanners can tell a real key from noise.
 */
export function generateApiKey(env: KeyEnv): string {
  return formatRampartKey(randomBytes(32), env);
}

/** True when `key` has the Rampart shape and a valid checksum: a cheap filter before any lookup. */
export function isWellFormedApiKey(key: string): boolean {
  return key.length === 46 && verifyRampartKeyChecksum(key);
}

/**
 * The stored form of a key: HMAC-SHA-256 keyed by the server pepper, lower-case hex. Pass the pepper
 * as a KeyObject (createSecretKey) on hot paths: a Buffer key is re-imported on every call, ~8x slower.
 */
export function hashApiKey(key: string, pepper: Buffer | KeyObject): string {
  return createHmac('sha256', pepper).update(key, 'utf8').digest('hex');
}

/** Constant-time equality of two hex digests of the same algorithm. */
export function digestsEqual(a: string, b: string): boolean {
  // no Buffer per call: this runs on every request with an API key
  return sameString(a, b);
}

/** String equality whose time depends on the lengths only, not on where the strings differ. */
export function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The part of a key safe to display. */
export function displayPrefix(key: string): string {
  return key.slice(0, KEY_DISPLAY_LENGTH);
}

/** A new key id (not secret: it names the key in listings, revocations and events). */
export function newKeyId(): string {
  return `key_${randomBytes(12).toString('base64url')}`;
}

/** The pepper as bytes; throws when it is too short to be an HMAC key (the message names no value). */
export function pepperBytes(pepper: string): Buffer {
  const buf = Buffer.from(pepper, 'utf8');
  if (buf.byteLength < MIN_PEPPER_BYTES) {
    throw new RangeError(`the pepper must be at least ${MIN_PEPPER_BYTES} bytes`);
  }
  return buf;
}
