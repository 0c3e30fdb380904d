import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { isAlnum } from './chars.ts';
import type { SensitiveType } from './types.ts';

const MIN_KEY_BYTES = 16;
const keys = new WeakMap<PseudonymKey, KeyObject>();

/** An HMAC key for pseudonyms; opaque so that the secret never shows in logs or inspection. */
export interface PseudonymKey {
  readonly kind: 'pseudonym-key';
}

/** How a sensitive value is masked. */
export type MaskStrategy =
  /** '[REDACTED]', or '[REDACTED:card]' with typed. */
  | { readonly kind: 'redact'; readonly typed?: boolean }
  /** Keep the last 4 digits/letters ('**** **** **** 4242'), an e-mail's first letter and domain, an IP's network. */
  | { readonly kind: 'partial' }
  /** Keyed HMAC-SHA-256, stable per value and key: prefix + `length` hex chars (default 'pii_', 16). */
  | {
      readonly kind: 'pseudonym';
      readonly key: PseudonymKey;
      readonly prefix?: string;
      readonly length?: number;
    };

/** Wraps a secret (at least 16 bytes) as a pseudonym key; build it once at start-up. */
export function createPseudonymKey(secret: string | Uint8Array): PseudonymKey {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (bytes.length < MIN_KEY_BYTES)
    throw new RangeError(`pseudonym key must be at least ${MIN_KEY_BYTES} bytes`);
  const handle: PseudonymKey = Object.freeze({ kind: 'pseudonym-key' });
  keys.set(handle, createSecretKey(bytes));
  return handle;
}

// Types whose every character is secret: partial masking reveals nothing of them.
const NO_PARTIAL: ReadonlySet<SensitiveType> = new Set([
  'jwt',
  'private_key',
  'password_hash',
  'secret_field',
]);
const NORMALISE_DIGITS: ReadonlySet<SensitiveType> = new Set(['card', 'iban', 'ssn', 'national_id', 'phone']);

function redact(type: SensitiveType | undefined, typed: boolean | undefined): string {
  return typed === true && type !== undefined ? `[REDACTED:${type}]` : '[REDACTED]';
}

// Keep the last 4 alphanumerics and every separator; values under 8 alphanumerics are fully starred.
function keepLast4(value: string): string {
  let alnum = 0;
  for (let k = 0; k < value.length; k++) if (isAlnum(value.charCodeAt(k))) alnum++;
  const keep = alnum >= 8 ? 4 : 0;
  let seen = 0;
  let out = '';
  for (let k = 0; k < value.length; k++) {
    const c = value.charCodeAt(k);
    if (!isAlnum(c)) {
      out += value[k];
      continue;
    }
    seen++;
    out += seen > alnum - keep ? value[k] : '*';
  }
  return out;
}

function partialEmail(value: string): string {
  const at = value.lastIndexOf('@');
  if (at <= 0) return keepLast4(value);
  return `${value[0]}***${value.slice(at)}`;
}

function partialIp(value: string): string {
  if (value.includes(':')) {
    const groups = value.split(':');
    return `${groups.slice(0, 2).join(':')}:*`;
  }
  const octets = value.split('.');
  if (octets.length !== 4) return keepLast4(value);
  return `${octets[0]}.${octets[1]}.*.*`;
}

function normalise(value: string, type: SensitiveType | undefined): string {
  if (type === 'email') return value.toLowerCase();
  if (type !== undefined && NORMALISE_DIGITS.has(type)) {
    let out = '';
    for (let k = 0; k < value.length; k++) {
      const c = value.charCodeAt(k);
      if (isAlnum(c) || c === 43) out += value[k];
    }
    return out.toUpperCase();
  }
  return value;
}

function pseudonym(value: string, key: PseudonymKey, prefix: string, length: number): string {
  const secret = keys.get(key);
  if (secret === undefined) throw new TypeError('pseudonym key was not made by createPseudonymKey');
  const n = Math.min(64, Math.max(8, Math.floor(length)));
  return prefix + createHmac('sha256', secret).update(value, 'utf8').digest('hex').slice(0, n);
}

/**
 * Masks one value. type (when known) picks the partial form and normalises before pseudonymising
 * ('4242 4242 …' and '4242-4242-…' get the same pseudonym).
 */
export function mask(value: string, strategy: MaskStrategy, type?: SensitiveType): string {
  switch (strategy.kind) {
    case 'redact':
      return redact(type, strategy.typed);
    case 'partial':
      if (type !== undefined && NO_PARTIAL.has(type)) return redact(type, true);
      if (type === 'email') return partialEmail(value);
      if (type === 'ip') return partialIp(value);
      return keepLast4(value);
    case 'pseudonym':
      return pseudonym(
        normalise(value, type),
        strategy.key,
        strategy.prefix ?? 'pii_',
        strategy.length ?? 16,
      );
  }
}

/** Checks a strategy at compile time so that a bad config fails at start-up, not per value. */
export function validateStrategy(strategy: MaskStrategy): void {
  if (strategy.kind === 'pseudonym' && !keys.has(strategy.key)) {
    throw new TypeError('pseudonym key was not made by createPseudonymKey');
  }
}
