// Test helper: random credentials of every supported format, generated at test time with valid checksums.
import { randomBytes, randomInt } from 'node:crypto';
import { BASE62, crc32Base62 } from '../../src/secrets/checksum.ts';
import { shannonEntropy } from '../../src/secrets/entropy.ts';
import { formatRampartKey } from '../../src/secrets/rampart-key.ts';
import { looksLikeWords } from '../../src/secrets/rules/generic.ts';
import { isDocumentationExample } from '../../src/secrets/rules/match.ts';

const ALNUM = BASE62;
const UPPER_B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HEX = '0123456789abcdef';
const B64 = `${ALNUM}+/`;
const B64URL = `${ALNUM}-_`;

/**
 * `n` random characters from `alphabet`, never spelling a documentation marker ("fake", "sample"…):
 * about one 86-character draw in 12,000 did, and the scanner rightly rated that key low.
 */
export function rand(alphabet: string, n: number): string {
  for (;;) {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[randomInt(alphabet.length)];
    if (!isDocumentationExample(s)) return s;
  }
}

/**
 * `n` random characters from `alphabet` whose Shannon entropy reaches `floor`: the floor of the rule
 * that finds them, which skips a value below it by design (a real 32-hex token falls under 3.2 about
 * one draw in 300, and the planted-credential test then failed as often).
 */
function randAbove(alphabet: string, n: number, floor: number): string {
  for (;;) {
    const s = rand(alphabet, n);
    if (shannonEntropy(s) >= floor) return s;
  }
}

/**
 * `n` random characters that the generic rule does not read as words: about one draw of 32 base62
 * characters in 1,250 has long enough letter runs (ZOQLFSICIaz…) to pass for words, which the rule
 * skips by design, and the planted-credential test then failed as often.
 */
function randNotWords(alphabet: string, n: number): string {
  for (;;) {
    const s = rand(alphabet, n);
    if (!looksLikeWords(s)) return s;
  }
}

function withCrc(prefix: string): string {
  const body = rand(ALNUM, 30);
  return `${prefix}${body}${crc32Base62(body)}`;
}

/** A token of the same shape whose checksum is wrong. */
export function breakChecksum(token: string): string {
  const last = token.at(-1) === 'A' ? 'B' : 'A';
  return token.slice(0, -1) + last;
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}

/** A PKCS#8-looking PEM block with a random body. */
export function pem(label = 'PRIVATE KEY'): string {
  const body = randomBytes(600).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** An unencrypted OpenSSH private key block (magic, cipher "none", random rest). */
export function opensshKey(cipher = 'none'): string {
  const magic = Buffer.from('openssh-key-v1\0', 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(cipher.length);
  const raw = Buffer.concat([magic, len, Buffer.from(cipher), randomBytes(400)]);
  const body = raw.toString('base64').replace(/.{70}/g, '$&\n');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

/** Fresh random credentials, one per rule. */
export function generateKeys() {
  return {
    awsId: `AKIA${rand(UPPER_B32, 16)}`,
    awsSecret: `${rand(ALNUM, 10)}/${rand(B64, 19)}+${rand(ALNUM, 9)}`,
    gcpApiKey: `AIza${rand(B64URL, 35)}`,
    azureKey: `${rand(B64, 86)}==`,
    githubClassic: withCrc('ghp_'),
    githubOauth: withCrc('gho_'),
    githubServer: withCrc('ghs_'),
    githubFineGrained: `github_pat_${rand(ALNUM, 22)}_${rand(ALNUM, 59)}`,
    gitlab: `glpat-${rand(ALNUM, 20)}`,
    npm: withCrc('npm_'),
    slack: `xoxb-${rand('0123456789', 11)}-${rand('0123456789', 12)}-${rand(ALNUM, 24)}`,
    slackWebhook: `https://hooks.slack.com/services/T${rand(UPPER_B32, 8)}/B${rand(UPPER_B32, 10)}/${rand(ALNUM, 24)}`,
    stripe: `sk_live_${rand(ALNUM, 32)}`,
    twilioKey: `SK${randAbove(HEX, 32, 3.2)}`,
    twilioToken: randAbove(HEX, 32, 3.2),
    sendgrid: `SG.${rand(B64URL, 22)}.${rand(B64URL, 43)}`,
    mailgun: `key-${randAbove(HEX, 32, 3.2)}`,
    jwt: `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(`{"sub":"${rand(HEX, 8)}","scope":"admin"}`)}.${Buffer.from(randomBytes(32)).toString('base64url')}`,
    dbPassword: rand(ALNUM, 18),
    generic: randNotWords(ALNUM, 32),
    rampartLive: formatRampartKey(randomBytes(32), 'live'),
    rampartTest: formatRampartKey(randomBytes(32), 'test'),
    pem: pem(),
    rsaPem: pem('RSA PRIVATE KEY'),
    openssh: opensshKey(),
  };
}

/** The generated key set. */
export type Keys = ReturnType<typeof generateKeys>;
