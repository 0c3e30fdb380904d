import type { SensitiveType } from './types.ts';

const MAX_NAME = 128;
const MEMO_LIMIT = 4096;
const memo = new Map<string, SensitiveType | null>();

// Whole normalised names (lower-case, separators removed) and what they hold.
const EXACT: ReadonlyMap<string, SensitiveType> = new Map([
  ['pan', 'card'],
  ['ccn', 'card'],
  ['ccnum', 'card'],
  ['ccnumber', 'card'],
  ['pin', 'secret_field'],
  ['tin', 'national_id'],
  ['sin', 'national_id'],
  ['ip', 'ip'],
  ['otp', 'secret_field'],
  ['mail', 'email'],
  ['tel', 'phone'],
]);

// Trailing words (after splitting camelCase, snake_case, kebab-case) and what they hold. Longest first.
const SUFFIXES: readonly (readonly [readonly string[], SensitiveType])[] = [
  [['password', 'hash'], 'password_hash'],
  [['password', 'digest'], 'password_hash'],
  [['hashed', 'password'], 'password_hash'],
  [['passwd', 'hash'], 'password_hash'],
  [['pwd', 'hash'], 'password_hash'],
  [['social', 'security', 'number'], 'ssn'],
  [['national', 'id'], 'national_id'],
  [['national', 'identifier'], 'national_id'],
  [['tax', 'id'], 'national_id'],
  [['card', 'number'], 'card'],
  [['card', 'no'], 'card'],
  [['card', 'num'], 'card'],
  [['credit', 'card'], 'card'],
  [['card', 'verification', 'code'], 'card'],
  [['api', 'key'], 'api_key'],
  [['access', 'key'], 'api_key'],
  [['secret', 'key'], 'secret_field'],
  [['private', 'key'], 'private_key'],
  [['signing', 'key'], 'secret_field'],
  [['encryption', 'key'], 'secret_field'],
  [['session', 'id'], 'secret_field'],
  [['recovery', 'code'], 'secret_field'],
  [['backup', 'code'], 'secret_field'],
  [['mfa', 'code'], 'secret_field'],
  [['phone', 'number'], 'phone'],
  [['mobile', 'number'], 'phone'],
  [['email', 'address'], 'email'],
  [['e', 'mail'], 'email'],
  [['ip', 'address'], 'ip'],
  [['ip', 'addr'], 'ip'],
  [['remote', 'addr'], 'ip'],
  [['client', 'ip'], 'ip'],
  [['id', 'token'], 'jwt'],
];
const LAST_WORD: ReadonlyMap<string, SensitiveType> = new Map([
  ['password', 'secret_field'],
  ['passwd', 'secret_field'],
  ['pwd', 'secret_field'],
  ['passphrase', 'secret_field'],
  ['passcode', 'secret_field'],
  ['secret', 'secret_field'],
  ['token', 'secret_field'],
  ['credential', 'secret_field'],
  ['credentials', 'secret_field'],
  ['authorization', 'secret_field'],
  ['cookie', 'secret_field'],
  ['apikey', 'api_key'],
  ['privatekey', 'private_key'],
  ['passwordhash', 'password_hash'],
  ['ssn', 'ssn'],
  ['bsn', 'national_id'],
  ['nino', 'national_id'],
  ['dni', 'national_id'],
  ['nif', 'national_id'],
  ['cardnumber', 'card'],
  ['cvv', 'card'],
  ['cvv2', 'card'],
  ['cvc', 'card'],
  ['cvc2', 'card'],
  ['iban', 'iban'],
  ['email', 'email'],
  ['phone', 'phone'],
  ['telephone', 'phone'],
  ['mobile', 'phone'],
  ['msisdn', 'phone'],
  ['jwt', 'jwt'],
]);
// Words that may follow a sensitive word without changing what the field holds.
const TRANSPARENT: ReadonlySet<string> = new Set([
  'value',
  'plain',
  'plaintext',
  'raw',
  'str',
  'string',
  'text',
  'enc',
  'encrypted',
  'b64',
  'base64',
  'hex',
  'confirm',
  'confirmation',
  'repeat',
  'again',
  'new',
  'old',
  'current',
  'clear',
  'cleartext',
]);
// 'page_token', 'next_token' and the like are cursors, not credentials.
const CURSOR_WORDS: ReadonlySet<string> = new Set([
  'page',
  'next',
  'prev',
  'previous',
  'continuation',
  'sync',
  'csrf',
]);
const HASH_WORDS: ReadonlySet<string> = new Set([
  'hash',
  'hashed',
  'digest',
  'password',
  'passwd',
  'pwd',
  'md5',
  'sha1',
  'sha256',
  'sha512',
  'crypt',
]);

/** Splits a property name into lower-case words: 'userPassword_hash' → ['user', 'password', 'hash']. */
export function fieldWords(name: string): string[] {
  const spaced = name
    .slice(0, MAX_NAME)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2');
  return spaced
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

function endsWith(words: readonly string[], end: number, suffix: readonly string[]): boolean {
  if (end < suffix.length) return false;
  for (let k = 0; k < suffix.length; k++) if (words[end - suffix.length + k] !== suffix[k]) return false;
  return true;
}

/** The sensitive type a property name suggests (password, passwd, secret, token, ssn, card_number, cvv, api_key, …), or null. */
export function classifyFieldName(name: string): SensitiveType | null {
  const cached = memo.get(name);
  if (cached !== undefined) return cached;
  const type = classifyWords(fieldWords(name));
  // A pure memo: an API has few distinct property names; past the bound it starts over.
  if (memo.size >= MEMO_LIMIT) memo.clear();
  if (name.length <= MAX_NAME) memo.set(name, type);
  return type;
}

function classifyWords(words: readonly string[]): SensitiveType | null {
  if (words.length === 0) return null;
  const exact = EXACT.get(words.join(''));
  if (exact !== undefined) return exact;
  // Drop trailing words that do not change the meaning ('password_confirmation', 'token_value').
  let end = words.length;
  while (end > 1 && TRANSPARENT.has(words[end - 1]!)) end--;
  for (const [suffix, type] of SUFFIXES) if (endsWith(words, end, suffix)) return type;
  const last = words[end - 1]!;
  const type = LAST_WORD.get(last);
  if (type === undefined) return null;
  if (last === 'token' && end >= 2 && CURSOR_WORDS.has(words[end - 2]!)) return null;
  return type;
}

/** Whether a property name says its value is a hash or password (enables bare hex digest detection). */
export function fieldSuggestsHash(name: string): boolean {
  for (const w of fieldWords(name)) if (HASH_WORDS.has(w)) return true;
  return false;
}
