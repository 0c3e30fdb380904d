import { crc32 } from 'node:zlib';
import { match, type SensitiveMatch } from './types.ts';

// Well-known credential formats, each with a distinctive literal prefix; every quantifier is bounded.
const API_KEY_RE = new RegExp(
  [
    '(?<![A-Za-z0-9_-])(?:',
    '(?<aws>(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})',
    '|(?<github>gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})',
    '|(?<stripe>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,247})',
    '|(?<slack>xox[abposr]-[A-Za-z0-9-]{10,250}|xapp-\\d-[A-Za-z0-9-]{10,250})',
    '|(?<google>AIza[A-Za-z0-9_-]{35})',
    '|(?<gitlab>glpat-[A-Za-z0-9_-]{20})',
    '|(?<npm>npm_[A-Za-z0-9]{36})',
    '|(?<anthropic>sk-ant-[A-Za-z0-9_-]{32,200})',
    '|(?<openai>sk-(?:proj|svcacct)-[A-Za-z0-9_-]{32,200})',
    '|(?<sendgrid>SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43})',
    ')(?![A-Za-z0-9_-])',
  ].join(''),
  'g',
);
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Whether a classic GitHub token (ghp_ + 30 chars + 6-char base62 CRC32) carries a correct checksum. */
export function githubChecksumValid(token: string): boolean {
  const body = token.slice(4, 34);
  let crc = crc32(body);
  let encoded = '';
  while (crc > 0) {
    encoded = B62[crc % 62] + encoded;
    crc = Math.floor(crc / 62);
  }
  return encoded.padStart(6, '0') === token.slice(34);
}

/** Finds API keys and tokens of well-known providers (AWS, GitHub, Stripe, Slack, Google, …). */
export function scanApiKeys(text: string, out: SensitiveMatch[]): void {
  API_KEY_RE.lastIndex = 0;
  for (let m = API_KEY_RE.exec(text); m !== null; m = API_KEY_RE.exec(text)) {
    const groups = m.groups ?? {};
    let provider = 'unknown';
    for (const [name, value] of Object.entries(groups)) {
      if (value !== undefined) provider = name;
    }
    let confidence = 0.95;
    if (provider === 'github' && m[0].length === 40) confidence = githubChecksumValid(m[0]) ? 0.99 : 0.85;
    if (provider === 'stripe' && m[0].includes('_test_')) confidence = 0.9;
    out.push(match('api_key', confidence, m.index, m.index + m[0].length, provider));
  }
}
