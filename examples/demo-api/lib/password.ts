import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost parameters; ln is log2(N). */
export interface ScryptCost {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

const DEFAULT_COST: ScryptCost = { ln: 14, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
// Bounds on stored parameters so that a tampered hash cannot make verification cost unbounded.
const MAX_LN = 17;
const MAX_R = 16;
const MAX_P = 4;
const MAX_PASSWORD_BYTES = 1024;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.ln;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hash a password as `$scrypt$ln=14,r=8,p=1$<salt base64>$<key base64>`. */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, cost);
  return `$scrypt$ln=${cost.ln},r=${cost.r},p=${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

function parseCost(text: string): ScryptCost | null {
  const values: Record<string, number> = { __proto__: null } as unknown as Record<string, number>;
  for (const part of text.split(',')) {
    const [name, value] = part.split('=');
    if (name === undefined || value === undefined || !/^[0-9]{1,2}$/.test(value)) return null;
    values[name] = Number(value);
  }
  const { ln, r, p } = values;
  if (ln === undefined || r === undefined || p === undefined) return null;
  if (ln < 1 || ln > MAX_LN || r < 1 || r > MAX_R || p < 1 || p > MAX_P) return null;
  return { ln, r, p };
}

/** Check a password against a stored `$scrypt$…` string in constant time; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES || stored.length > 512) return false;
  const parts = stored.split('$');
  if (parts.length !== 5 || parts[0] !== '' || parts[1] !== 'scrypt') return false;
  const cost = parseCost(parts[2] ?? '');
  if (cost === null) return false;
  const salt = Buffer.from(parts[3] ?? '', 'base64');
  const expected = Buffer.from(parts[4] ?? '', 'base64');
  if (salt.length < 8 || expected.length !== KEY_LENGTH) return false;
  const actual = await derive(password, salt, cost);
  return timingSafeEqual(actual, expected);
}
