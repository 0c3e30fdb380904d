import { createHash } from 'node:crypto';

/** Longest prefix of a secret ever shown. */
export const MAX_SHOWN_PREFIX = 4;

/**
 * The only form in which a secret leaves the scanner: at most 4 leading characters (fewer for short
 * secrets: a quarter of the length) and the length, e.g. `ghp_…(40 chars)`.
 */
export function redact(secret: string): string {
  const shown = Math.min(MAX_SHOWN_PREFIX, Math.floor(secret.length / 4));
  return `${secret.slice(0, shown)}…(${secret.length} chars)`;
}

/**
 * A stable 16-hex-digit fingerprint of a secret under a rule: the same key found in two files or two
 * commits has one fingerprint, so an allowlist entry covers it everywhere. 64 bits of a SHA-256 do not
 * reveal a random key; they could confirm a guessed weak password, which is why only 64 bits are kept.
 */
export function fingerprint(ruleId: string, secret: string): string {
  return createHash('sha256').update(ruleId).update('\0').update(secret).digest('hex').slice(0, 16);
}
