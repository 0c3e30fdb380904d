import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import { createFieldCipher, type FieldCipher, KID, type StoreKey } from './field-cipher.ts';

/** The environment variable that carries the data-at-rest keys: `kid1:base64,kid2:base64`. */
export const STORE_KEYS_ENV = 'RAMPART_STORE_KEYS';
/** The config key naming a file with the same list (one entry a line, `#` comments). */
export const STORE_KEY_FILE_SETTING = 'events.keyFile';

const MAX_KEY_FILE_BYTES = 64 * 1024;
const MAX_KEYS = 32;
const HINT_NEW_KEY = `generate one with: node -e "console.log('k1:'+require('crypto').randomBytes(32).toString('base64'))"`;

/** Where the keys come from and whether the process runs in production mode. */
export interface StoreKeyOptions {
  readonly env: NodeJS.ProcessEnv;
  /** `events.keyFile` as written in the config, if set. */
  readonly keyFile?: string | undefined;
  /** The config's directory, for a relative `keyFile`. */
  readonly baseDir: string;
  /** The config's `production: true`; `RAMPART_ENV=production` turns production mode on too. */
  readonly production: boolean;
}

/** The cipher to hand to the store openers (none: values stay plain) and what to warn about. */
export interface LoadedStoreKeys {
  readonly cipher: FieldCipher | undefined;
  readonly warnings: readonly string[];
  readonly production: boolean;
}

/** True in production mode: the config says `production: true` or `RAMPART_ENV=production`. */
export function isProductionMode(configProduction: boolean, env: NodeJS.ProcessEnv): boolean {
  return configProduction || env.RAMPART_ENV === 'production';
}

/**
 * Why a key is too weak to protect data, or undefined when it looks random. A random 32-byte key
 * has about 26 distinct byte values and almost never (p ≈ 1e-14) only printable ASCII ones.
 */
export function weakKeyReason(key: Buffer): string | undefined {
  if (key.length !== 32) return `is ${key.length} bytes, not 32`;
  const distinct = new Set(key).size;
  if (distinct === 1) return 'has every byte the same';
  if (distinct < 16) return `has low entropy (${distinct} distinct byte values of 32)`;
  if (key.every((b) => b >= 0x20 && b <= 0x7e)) return 'is printable text (a passphrase?), not random bytes';
  return undefined;
}

/** Parse `kid:base64` entries separated by commas or new lines; errors name `source`, never a key. */
export function parseStoreKeys(text: string, source: string): StoreKey[] {
  const keys: StoreKey[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(/[,\n]/)) {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    if (keys.length >= MAX_KEYS) throw new ConfigError(`more than ${MAX_KEYS} keys`, { key: source });
    const colon = entry.indexOf(':');
    const kid = colon === -1 ? '' : entry.slice(0, colon);
    if (!KID.test(kid)) {
      throw new ConfigError(
        'each entry is <key id>:<base64 key>, the id 1-32 characters of A-Z a-z 0-9 _ -',
        {
          key: source,
          hint: HINT_NEW_KEY,
        },
      );
    }
    if (seen.has(kid)) throw new ConfigError(`key id "${kid}" is listed twice`, { key: source });
    seen.add(kid);
    const b64 = entry.slice(colon + 1);
    if (!/^[A-Za-z0-9+/_-]{1,200}={0,2}$/.test(b64)) {
      throw new ConfigError(`key "${kid}" is not base64 of 32 bytes`, { key: source, hint: HINT_NEW_KEY });
    }
    const key = Buffer.from(b64, 'base64');
    if (key.length !== 32) {
      throw new ConfigError(`key "${kid}" is ${key.length} bytes, not 32 (AES-256)`, {
        key: source,
        hint: HINT_NEW_KEY,
      });
    }
    keys.push({ kid, key });
  }
  if (keys.length === 0) throw new ConfigError('no key in it', { key: source, hint: HINT_NEW_KEY });
  return keys;
}

function readKeyFile(path: string, warnings: string[]): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new ConfigError(`cannot read the key file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      key: STORE_KEY_FILE_SETTING,
    });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new ConfigError('the key file is not a regular file', { key: STORE_KEY_FILE_SETTING });
    if (st.size > MAX_KEY_FILE_BYTES) {
      throw new ConfigError('the key file is larger than 64 KiB', { key: STORE_KEY_FILE_SETTING });
    }
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      warnings.push(`${STORE_KEY_FILE_SETTING}: the key file is readable by group or others (chmod 600 it)`);
    }
    const buf = Buffer.alloc(st.size);
    const n = readSync(fd, buf, 0, st.size, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Load the data-at-rest keys from RAMPART_STORE_KEYS or `events.keyFile` (never from the store).
 * Production mode refuses a missing or weak key; elsewhere both are warnings and, without a key,
 * values are stored plain. Errors are ConfigErrors naming the setting, never a key's bytes.
 */
export function loadStoreKeys(options: StoreKeyOptions): LoadedStoreKeys {
  const production = isProductionMode(options.production, options.env);
  const warnings: string[] = [];
  const fromEnv = options.env[STORE_KEYS_ENV];
  const hasEnv = fromEnv !== undefined && fromEnv.trim() !== '';
  if (hasEnv && options.keyFile !== undefined) {
    throw new ConfigError(`both ${STORE_KEYS_ENV} and ${STORE_KEY_FILE_SETTING} are set; use one`, {
      key: STORE_KEY_FILE_SETTING,
    });
  }
  let keys: StoreKey[];
  let source: string;
  if (hasEnv) {
    source = STORE_KEYS_ENV;
    keys = parseStoreKeys(fromEnv, source);
  } else if (options.keyFile !== undefined) {
    source = STORE_KEY_FILE_SETTING;
    const path = isAbsolute(options.keyFile) ? options.keyFile : resolve(options.baseDir, options.keyFile);
    keys = parseStoreKeys(readKeyFile(path, warnings), source);
  } else {
    if (production) {
      throw new ConfigError(
        `production mode needs a data-at-rest key: set ${STORE_KEYS_ENV} or ${STORE_KEY_FILE_SETTING}`,
        { key: STORE_KEYS_ENV, hint: HINT_NEW_KEY },
      );
    }
    warnings.push(
      `no data-at-rest key (${STORE_KEYS_ENV} or ${STORE_KEY_FILE_SETTING}): event evidence and the inventory are stored unencrypted`,
    );
    return { cipher: undefined, warnings, production };
  }
  for (const k of keys) {
    const weak = weakKeyReason(k.key);
    if (weak === undefined) continue;
    if (production) {
      throw new ConfigError(`key "${k.kid}" ${weak}: refused in production mode`, {
        key: source,
        hint: HINT_NEW_KEY,
      });
    }
    warnings.push(`${source}: key "${k.kid}" ${weak}; production mode would refuse it`);
  }
  return { cipher: createFieldCipher(keys), warnings, production };
}
