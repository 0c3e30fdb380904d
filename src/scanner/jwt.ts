/** JWT helpers for the API2 checks: decode without verifying, forge variants, crack weak HS secrets offline. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEAK_JWT_SECRETS } from './wordlist.ts';

/** A compact JWS split into its decoded header and payload. */
export interface DecodedJwt {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly signingInput: string;
  readonly signature: string;
}

const MAX_TOKEN = 16 * 1024;
const B64URL = /^[A-Za-z0-9_-]*$/;

function part(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Decode a compact JWT without verifying it; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  if (token.length > MAX_TOKEN) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  if (!B64URL.test(h) || !B64URL.test(p) || !B64URL.test(s)) return undefined;
  const header = part(h);
  const payload = part(p);
  if (header === undefined || payload === undefined || typeof header.alg !== 'string') return undefined;
  return { header, payload, signingInput: `${h}.${p}`, signature: s };
}

const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

const HMAC_ALGS: Readonly<Record<string, string>> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

/** Sign header+payload with an HMAC algorithm (HS256/384/512). */
export function signHs(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: string | Buffer,
): string {
  const alg = typeof header.alg === 'string' ? header.alg : 'HS256';
  const input = `${enc(header)}.${enc(payload)}`;
  return `${input}.${createHmac(HMAC_ALGS[alg] ?? 'sha256', key)
    .update(input)
    .digest('base64url')}`;
}

/** The same claims under `alg: none` with an empty signature. */
export function algNone(jwt: DecodedJwt): string {
  return `${enc({ ...jwt.header, alg: 'none' })}.${enc(jwt.payload)}.`;
}

/** The token with its signature removed (`header.payload.`). */
export function stripSignature(jwt: DecodedJwt): string {
  return `${jwt.signingInput}.`;
}

/** Claims changed (a later `exp`) while the original signature is kept: accepted only if signatures are not checked. */
export function tamperClaims(jwt: DecodedJwt): string {
  const exp =
    typeof jwt.payload.exp === 'number' ? jwt.payload.exp + 1 : Math.floor(Date.now() / 1000) + 3600;
  return `${enc(jwt.header)}.${enc({ ...jwt.payload, exp })}.${jwt.signature}`;
}

/** Try the bundled wordlist (and extra candidates) against an HS* token; the secret, or undefined. */
export function crackHmac(jwt: DecodedJwt, extra: readonly string[] = []): string | undefined {
  const hash = typeof jwt.header.alg === 'string' ? HMAC_ALGS[jwt.header.alg] : undefined;
  if (hash === undefined) return undefined;
  const expected = Buffer.from(jwt.signature, 'base64url');
  for (const candidate of [...extra, ...WEAK_JWT_SECRETS]) {
    const mac = createHmac(hash, candidate).update(jwt.signingInput).digest();
    if (mac.length === expected.length && timingSafeEqual(mac, expected)) return candidate;
  }
  return undefined;
}

/** Show a secret's shape without the secret: first and last character. */
export function maskSecret(secret: string): string {
  if (secret.length <= 4) return '*'.repeat(secret.length);
  return `${secret[0]}${'*'.repeat(Math.min(secret.length - 2, 12))}${secret[secret.length - 1]}`;
}
