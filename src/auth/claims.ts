/** Most roles or scopes taken from one credential; the rest are ignored. */
export const MAX_CLAIM_ITEMS = 64;
const MAX_ITEM_LENGTH = 128;
const MAX_PATH_DEPTH = 8;
// what may reach an upstream header: visible ASCII without separators that would confuse a list
const SAFE_ITEM = /^[\x21-\x7e]{1,128}$/;
const SAFE_CONSUMER = /^[\x21-\x7e]{1,256}$/;

/** Where roles, scopes and the consumer id are read from in verified claims (dotted paths). */
export interface ClaimPaths {
  readonly consumer: string;
  readonly roles: string;
  readonly scopes: string;
}

/** The value at a dotted path (`realm_access.roles`) of a claims object; own properties only. */
export function claimAt(claims: unknown, path: string): unknown {
  let node: unknown = claims;
  const parts = path.split('.', MAX_PATH_DEPTH + 1);
  if (parts.length > MAX_PATH_DEPTH) return undefined;
  for (const p of parts) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    if (!Object.hasOwn(node, p)) return undefined;
    node = (node as Record<string, unknown>)[p];
  }
  return node;
}

/**
 * A claim as a list of strings: an array of strings, or one space-separated string (OAuth `scope`).
 * Items that could not travel in a header are dropped; at most MAX_CLAIM_ITEMS are kept.
 */
export function claimList(value: unknown): string[] {
  let items: unknown[];
  if (typeof value === 'string')
    items = value.length > MAX_CLAIM_ITEMS * (MAX_ITEM_LENGTH + 1) ? [] : value.split(' ');
  else if (Array.isArray(value)) items = value.slice(0, MAX_CLAIM_ITEMS);
  else return [];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string' || !SAFE_ITEM.test(item)) continue;
    if (!out.includes(item)) out.push(item);
    if (out.length === MAX_CLAIM_ITEMS) break;
  }
  return out;
}

/** The consumer id from a claim: a string or a number, safe to put in a header; else undefined. */
export function consumerOf(value: unknown): string | undefined {
  const s = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  return typeof s === 'string' && SAFE_CONSUMER.test(s) ? s : undefined;
}
