import { charClassCount, shannonEntropy } from '../entropy.ts';
import type { SecretRule } from '../types.ts';
import { findWithRegex } from './match.ts';

const PLACEHOLDER_MARKERS = [
  'example',
  'placeholder',
  'changeme',
  'change_me',
  'change-me',
  'your',
  'dummy',
  'sample',
  'xxxx',
  '****',
  '....',
  '<',
  '>',
  '${',
  '{{',
  '%(',
  '%s',
  'process.env',
  'environ',
  'getenv',
  'redacted',
  'replace',
  'todo',
  'fixme',
  'secret_here',
  'undefined',
];

/** True for values that stand in for a secret rather than being one (`<set me>`, `${DB_PASS}`, `your-key`). */
export function isPlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  return PLACEHOLDER_MARKERS.some((w) => lower.includes(w));
}

/** Words that give a value away as an example or a name, not a credential (`real-secret-6-levels`). */
const CREDENTIAL_WORDS = /secret|passw|token|api_?key|credential/i;

const PLACEHOLDER_PASSWORDS = new Set(['password', 'passwd', 'pass', 'pwd', 'secret', 'user', 'username']);
const DEV_PASSWORDS = new Set([
  'postgres',
  'root',
  'admin',
  'test',
  'mysql',
  'redis',
  'guest',
  'dev',
  'local',
]);
const DEV_HOSTS = ['localhost', '127.0.0.1', '::1', '0.0.0.0', 'db', 'postgres', 'mysql', 'redis', 'mongo'];

/** Connection URLs with an inline password: postgres, MySQL/MariaDB, MongoDB, Redis, AMQP, SQL Server. */
export const databaseUrl: SecretRule = {
  id: 'database-url',
  title: 'Database URL with password',
  description:
    'A database or broker connection URL carrying a password (postgres://user:pass@host, mysql://, ' +
    'mongodb+srv://, redis://, amqp://). Placeholders are skipped; default passwords on local hosts ' +
    'are low confidence.',
  confidence: 'high',
  keywords: ['://'],
  find: (text) =>
    findWithRegex(text, {
      pattern:
        /(?<![A-Za-z0-9+.-])(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver):\/\/[^\s:@/"'`<>]{0,128}:([^\s:@/"'`<>]{1,256})@([A-Za-z0-9._%-]{1,255})/dg,
      group: 1,
      confidence: 'high',
      check: (password, m) => {
        const lower = password.toLowerCase();
        if (
          PLACEHOLDER_PASSWORDS.has(lower) ||
          isPlaceholder(password) ||
          CREDENTIAL_WORDS.test(password) ||
          /^[$%:[{]/.test(password)
        ) {
          return false;
        }
        const host = (m[2] ?? '').toLowerCase();
        if (DEV_PASSWORDS.has(lower) && DEV_HOSTS.includes(host)) {
          return { confidence: 'low', note: 'local development default' };
        }
        return password.length < 8 ? { confidence: 'medium', note: 'short password' } : true;
      },
    }),
};

const ASSIGNMENT =
  /(api[_.-]?key|secret|passw(?:or)?d|pwd|token|credential|private[_.-]?key|access[_.-]?key)([A-Za-z0-9_.-]{0,30})["'\]]{0,3}[ \t]{0,5}(?::=|=>|=|:)[ \t]{0,5}(?:"([^"\r\n]{8,200})"|'([^'\r\n]{8,200})'|`([^`\r\n]{8,200})`|([A-Za-z0-9+/=_.~!@#%^&*$-]{8,200}))/dgi;
/** Name endings that make a credential-sounding name about something else (`private_key_id`, `tokenUrl`). */
const NOT_A_SECRET_NAME =
  /(?:id|ids|name|names|type|file|path|url|uri|length|size|field|header|param|hint|label|prompt|regex|pattern|endpoint|version)$/i;
/** Prefixes whose own rule verifies a checksum: a failed checksum must not resurface as generic. */
const CHECKSUMMED = /^(?:gh[pousr]_|npm_|rk_(?:live|test)_)/;
/** Letters-only words joined by separators (`user-name`, `auth.list`): names, not secrets. */
const SEPARATED_WORDS = /^[A-Za-z]{1,40}(?:[-_.][A-Za-z]{1,40}){1,20}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_DIGEST = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const IDENTIFIER_PATH = /^[A-Za-z_$][A-Za-z0-9_$]{0,100}(?:\.[A-Za-z_$][A-Za-z0-9_$]{0,100}){0,20}$/;

/**
 * Values made of words (`user-order`, `passwordToken`, `AuthenticationMD5Password`) rather than random
 * characters: the mean length of their letter runs (words with one leading capital, or acronyms) is long. Random base62 averages under 2; identifiers and prose over 4.
 */
export function looksLikeWords(s: string): boolean {
  let runs = 0;
  let letters = 0;
  let longest = 0;
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const upper = c >= 65 && c <= 90;
    const lower = c >= 97 && c <= 122;
    if (!upper && !lower) {
      run = 0;
      continue;
    }
    const prev = i > 0 ? s.charCodeAt(i - 1) : 0;
    const prevUpper = prev >= 65 && prev <= 90;
    // A run is a lower-case word with at most one leading capital, or an all-capitals acronym.
    const continues = run > 0 && (lower ? !prevUpper || run === 1 : prevUpper);
    if (!continues) {
      runs++;
      run = 0;
    }
    run++;
    letters++;
    if (run > longest) longest = run;
  }
  return runs > 0 && letters / runs >= 4 && longest >= 5;
}

function separators(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '_' || c === '-' || c === '.') n++;
  }
  return n;
}

/**
 * Generic `api_key = "…"`, `secret: …`, `password=…` assignments. Values must look random (Shannon
 * entropy, length, mixed character classes) and not be placeholders, code references or known
 * non-secret shapes (UUIDs, hex digests: low confidence).
 */
export const genericSecret: SecretRule = {
  id: 'generic-secret',
  title: 'Secret assigned to a credential name',
  description:
    'A high-entropy value assigned to a name such as api_key, secret, password, token or private_key. ' +
    'Gated by Shannon entropy and length so ordinary words and placeholders are skipped.',
  confidence: 'medium',
  keywords: [],
  find: (text) =>
    findWithRegex(text, {
      pattern: ASSIGNMENT,
      group: [3, 4, 5, 6],
      confidence: 'medium',
      check: (value, m, text) => {
        if (NOT_A_SECRET_NAME.test(m[2] ?? '')) return false;
        const end = m.indices?.[6]?.[1];
        return judge(
          value,
          (m[1] ?? '').toLowerCase(),
          m[6] !== undefined,
          end !== undefined && endsLineAt(text, end),
        );
      },
    }),
};

/** Whether only blanks (or a `#` comment) follow `at` on its line: where a config value ends, not a code expression. */
function endsLineAt(text: string, at: number): boolean {
  for (let i = at; i < text.length && i < at + 200; i++) {
    const c = text[i];
    if (c === '\n' || c === '\r' || c === '#') return true;
    if (c !== ' ' && c !== '\t') return false;
  }
  return true;
}

function judge(
  value: string,
  keyword: string,
  unquoted: boolean,
  endsLine: boolean,
): false | { confidence: 'low' | 'medium'; note?: string } {
  if (value.includes(' ') || isPlaceholder(value) || CHECKSUMMED.test(value)) return false;
  if (/^(?:https?:|\/|\.\/|\.\.\/|~\/)/.test(value)) return false;
  // unquoted, a dotted path is a code reference, and so is a name without digits unless it ends its
  // line and is not made of words (looksLikeWords, below): a secret in an INI or .env file is
  // unquoted, and 32 base62 characters lack a digit about one time in 280
  if (unquoted && IDENTIFIER_PATH.test(value) && (value.includes('.') || (!/[0-9]/.test(value) && !endsLine)))
    return false;
  if (CREDENTIAL_WORDS.test(value) || looksLikeWords(value) || SEPARATED_WORDS.test(value)) return false;
  if (!/[0-9]/.test(value) && separators(value) >= 2) return false;
  const entropy = shannonEntropy(value);
  const classes = charClassCount(value);
  const isPassword = keyword.startsWith('pass') || keyword === 'pwd';
  if (UUID.test(value)) return { confidence: 'low', note: 'UUID-shaped value' };
  if (HEX_DIGEST.test(value)) return { confidence: 'low', note: 'digest-shaped value' };
  if (isPassword) {
    if (value.length < 8 || entropy < 2.8 || classes < 2) return false;
    return classes >= 3 && entropy >= 3 ? { confidence: 'medium' } : { confidence: 'low' };
  }
  if (value.length < 12 || entropy < 3.3 || classes < 2) return false;
  return entropy >= 3.7 && value.length >= 16 ? { confidence: 'medium' } : { confidence: 'low' };
}
