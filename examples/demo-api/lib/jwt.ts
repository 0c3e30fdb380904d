import { createHmac, timingSafeEqual } from 'node:crypto';

/** The claims the example APIs put in their tokens. */
export interface TokenClaims {
  readonly sub: string;
  readonly username: string;
  readonly role: string;
  readonly iat: number;
  readonly exp: number;
}

const MAX_TOKEN_LENGTH = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function mac(input: string, secret: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

/** Sign claims as a compact HS256 JWT. */
export function signJwt(claims: TokenClaims, secret: string | Buffer): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const input = `${HEADER}.${payload}`;
  return `${input}.${mac(input, secret).toString('base64url')}`;
}

function parseObject(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Verify a compact HS256 JWT and its expiry; null when anything is wrong.
 * Only HS256 is accepted (no `alg: none`, no algorithm taken from the token beyond that check).
 */
export function verifyJwt(
  token: string,
  secret: string | Buffer,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): TokenClaims | null {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts as [string, string, string];
  if (!BASE64URL.test(h) || !BASE64URL.test(p) || !BASE64URL.test(s)) return null;
  const header = parseObject(h);
  if (header === null || header.alg !== 'HS256') return null;
  const expected = mac(`${h}.${p}`, secret);
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const claims = parseObject(p);
  if (claims === null) return null;
  const { sub, username, role, iat, exp } = claims;
  if (typeof sub !== 'string' || typeof username !== 'string' || typeof role !== 'string') return null;
  if (typeof iat !== 'number' || typeof exp !== 'number' || exp <= nowSeconds) return null;
  return { sub, username, role, iat, exp };
}
