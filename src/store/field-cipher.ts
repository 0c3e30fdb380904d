import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';

/** One data-at-rest key: an id stored beside each value, and 32 bytes of AES-256 key. */
export interface StoreKey {
  readonly kid: string;
  readonly key: Buffer;
}

/** Why a stored value could not be read back. */
export type UnreadableReason = 'tampered' | 'unknown-key' | 'no-key' | 'malformed';

/** What opening a stored value gives: the plaintext, or why there is none. */
export type Opened =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly reason: UnreadableReason };

/**
 * Seals and opens column values with AES-256-GCM. A sealed value is
 * `enc:v1:<kid>:<base64(nonce 12 | ciphertext | tag 16)>`; the AAD names the table, column and row,
 * so a value copied to another column or row fails authentication like a tampered one.
 */
export interface FieldCipher {
  /** The id of the key new values are sealed with (the first configured). */
  readonly activeKid: string;
  seal(plain: string, aad: string): string;
  /** Open a stored value (sealed or plain-encoded); never throws. */
  open(stored: string, aad: string): Opened;
  /** True when `stored` is not sealed under the active key (plain, or an older key): rotation rewrites it. */
  needsReseal(stored: string): boolean;
}

export const KID = /^[A-Za-z0-9_-]{1,32}$/;
const PREFIX = 'enc:v1:';
/** Plain values that could be mistaken for a sealed one (or for this marker) are stored behind it. */
const RAW = 'raw:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Nonces drawn from the CSPRNG this many at a time: one call per 256 values instead of one each. */
const NONCE_POOL = 256;
/** Bigger sealed values than this are refused unread (a column is bounded well below it). */
const MAX_SEALED_CHARS = 4 * 1024 * 1024;

/** True when a stored value is sealed (whatever its key). */
export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** How a plain value is stored when no key is configured: as is, unless it looks like a marker. */
export function encodePlain(plain: string): string {
  return plain.startsWith(PREFIX) || plain.startsWith(RAW) ? `${RAW}${plain}` : plain;
}

/** Read a stored value without a cipher: plain values come back, sealed ones are unreadable. */
export function openWithout(stored: string): Opened {
  if (isSealed(stored)) return { ok: false, reason: 'no-key' };
  return { ok: true, value: stored.startsWith(RAW) ? stored.slice(RAW.length) : stored };
}

/** Build a cipher over `keys`; the first is the active one. Keys are checked by `loadStoreKeys`. */
export function createFieldCipher(keys: readonly StoreKey[]): FieldCipher {
  const first = keys[0];
  if (first === undefined) throw new RangeError('at least one store key is needed');
  // KeyObjects: createCipheriv with a raw Buffer re-imports the key on every call (3x slower)
  const byKid = new Map<string, KeyObject>();
  for (const k of keys) {
    if (!KID.test(k.kid)) throw new RangeError('a store key id is 1-32 characters of A-Z a-z 0-9 _ -');
    if (k.key.length !== 32) throw new RangeError(`store key "${k.kid}" is not 32 bytes`);
    if (byKid.has(k.kid)) throw new RangeError(`store key id "${k.kid}" is listed twice`);
    byKid.set(k.kid, createSecretKey(Buffer.from(k.key)));
  }
  const activeKid = first.kid;
  const activeKey = byKid.get(activeKid) as KeyObject;
  // random 96-bit nonces, each used once: slices of a CSPRNG block, consumed in order
  let pool = Buffer.alloc(0);
  let poolAt = 0;
  const nextNonce = (): Buffer => {
    if (poolAt >= pool.length) {
      pool = randomBytes(NONCE_BYTES * NONCE_POOL);
      poolAt = 0;
    }
    const nonce = pool.subarray(poolAt, poolAt + NONCE_BYTES);
    poolAt += NONCE_BYTES;
    return nonce;
  };

  return {
    activeKid,
    seal(plain, aad) {
      const nonce = nextNonce();
      const c = createCipheriv('aes-256-gcm', activeKey, nonce, { authTagLength: TAG_BYTES });
      c.setAAD(Buffer.from(aad, 'utf8'));
      const body = Buffer.concat([nonce, c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
      return `${PREFIX}${activeKid}:${body.toString('base64')}`;
    },
    open(stored, aad) {
      if (!isSealed(stored)) return openWithout(stored);
      if (stored.length > MAX_SEALED_CHARS) return { ok: false, reason: 'malformed' };
      const colon = stored.indexOf(':', PREFIX.length);
      if (colon === -1) return { ok: false, reason: 'malformed' };
      const kid = stored.slice(PREFIX.length, colon);
      const key = byKid.get(kid);
      if (key === undefined) return { ok: false, reason: KID.test(kid) ? 'unknown-key' : 'malformed' };
      const body = Buffer.from(stored.slice(colon + 1), 'base64');
      if (body.length < NONCE_BYTES + TAG_BYTES) return { ok: false, reason: 'malformed' };
      try {
        const d = createDecipheriv('aes-256-gcm', key, body.subarray(0, NONCE_BYTES), {
          authTagLength: TAG_BYTES,
        });
        d.setAAD(Buffer.from(aad, 'utf8'));
        d.setAuthTag(body.subarray(body.length - TAG_BYTES));
        const plain = Buffer.concat([
          d.update(body.subarray(NONCE_BYTES, body.length - TAG_BYTES)),
          d.final(),
        ]);
        return { ok: true, value: plain.toString('utf8') };
      } catch {
        // GCM authentication failed: the ciphertext, tag, nonce or AAD (row binding) was changed
        return { ok: false, reason: 'tampered' };
      }
    },
    needsReseal(stored) {
      return !stored.startsWith(`${PREFIX}${activeKid}:`);
    },
  };
}

/** The data-at-rest settings a store opener takes: a cipher, or none (values stored plain). */
export interface AtRest {
  readonly cipher?: FieldCipher | undefined;
}

/** Seal `plain` with the cipher when there is one, else encode it plain; null stays null. */
export function sealField(atRest: AtRest | undefined, plain: string | null, aad: string): string | null {
  if (plain === null) return null;
  const cipher = atRest?.cipher;
  return cipher === undefined ? encodePlain(plain) : cipher.seal(plain, aad);
}

/** Open a stored column value with the cipher when there is one; null stays null. */
export function openField(atRest: AtRest | undefined, stored: string | null, aad: string): Opened | null {
  if (stored === null) return null;
  const cipher = atRest?.cipher;
  return cipher === undefined ? openWithout(stored) : cipher.open(stored, aad);
}

/** What re-sealing a table did. */
export interface ResealResult {
  /** Rows looked at. */
  scanned: number;
  /** Rows rewritten under the active key. */
  resealed: number;
  /** Rows left as they were because they could not be opened (tampered, unknown key). */
  unreadable: number;
}
