import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { SharedState } from '../state/types.ts';

/**
 * Tokens seen issued (`jwt.<scheme>.issuedThrough`): the login operation's response passes through
 * the gateway, which records a digest of each token it carries; the JWT check then accepts only
 * recorded tokens. A token forged with a weak or leaked upstream secret verifies, but was never
 * issued through the gateway, so it is refused. Only SHA-256 digests are kept, never tokens.
 */

const MAX_TOKEN_LENGTH = 8192;
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The set member of a token: its SHA-256, base64url. */
export function issuedTokenId(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** Whether this gateway (or one sharing its state) saw `token` issued and it has not lapsed. */
export function issuedChecker(state: SharedState | undefined): (token: string) => boolean {
  // without shared state nothing can have been recorded: fail closed
  if (state === undefined) return () => false;
  return (token) => state.memberUntil('issued', issuedTokenId(token)) > 0;
}

/**
 * Record a token a login response carried, for as long as it can be valid: until its `exp`, at most
 * `maxLifetimeMs`. Returns false (recording nothing) for a value that is not a compact JWT.
 */
export function recordIssuedToken(
  state: SharedState,
  token: unknown,
  maxLifetimeMs: number,
  now: number = Date.now(),
): Promise<boolean> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT.test(token))
    return Promise.resolve(false);
  let ttl = maxLifetimeMs;
  try {
    const exp = decodeJwt(token).exp;
    if (typeof exp === 'number') ttl = Math.min(ttl, exp * 1000 - now);
  } catch {
    return Promise.resolve(false);
  }
  if (ttl <= 0) return Promise.resolve(false);
  return state.setMember('issued', issuedTokenId(token), ttl).then(() => true);
}
