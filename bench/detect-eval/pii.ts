/**
 * Precision and recall of the sensitive-data classifiers, per type, on the labeled corpus
 * (../shared/corpus/pii/samples.jsonl) and on cases generated here for types the corpus lacks,
 * plus classification throughput. Run: node bench/detect-eval/pii.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import {
  classifyFieldName,
  classifyText,
  classifyValue,
  createJsonMasker,
  createPseudonymKey,
  SENSITIVE_TYPES,
  type SensitiveType,
} from '../../src/detect/sensitive/index.ts';

interface Sample {
  readonly value: string;
  readonly label: SensitiveType | null;
  readonly note: string;
  readonly field?: string;
}

const CORPUS_LABELS: Readonly<Record<string, SensitiveType>> = { us_ssn: 'ssn' };

function loadCorpus(): Sample[] {
  const url = new URL('../../../shared/corpus/pii/samples.jsonl', import.meta.url);
  let text: string;
  try {
    text = readFileSync(url, 'utf8');
  } catch {
    console.error(
      `corpus missing: ${fileURLToPath(url)} (generate it with ../shared/corpus/pii/generate.py)`,
    );
    process.exit(2);
  }
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as { value: string; label: string | null; note?: string };
    let label: SensitiveType | null = null;
    if (row.label !== null) {
      const mapped = CORPUS_LABELS[row.label] ?? row.label;
      if (!(SENSITIVE_TYPES as readonly string[]).includes(mapped))
        throw new Error(`unknown label ${row.label}`);
      label = mapped as SensitiveType;
    }
    samples.push({ value: row.value, label, note: row.note ?? '' });
  }
  return samples;
}

// Deterministic generator (mulberry32) so that figures are comparable between runs.
let seed = 20260601;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const DIGITS = '0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64URL = `${ALNUM}-_`;
const CRYPT64 = `./${ALNUM}`;
const HEX = '0123456789abcdef';
const chars = (alphabet: string, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[int(alphabet.length)];
  return s;
};

function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}
const card = (prefix: string, len: number): string => {
  const body = prefix + chars(DIGITS, len - prefix.length - 1);
  return body + luhnDigit(body);
};
const groups = (s: string, sizes: readonly number[], sep: string): string => {
  const out: string[] = [];
  let at = 0;
  for (const n of sizes) {
    out.push(s.slice(at, at + n));
    at += n;
  }
  if (at < s.length) out.push(s.slice(at));
  return out.join(sep);
};
function iban(country: string, bban: string): string {
  let rem = 0;
  for (const ch of `${bban}${country}00`) {
    const v = Number.parseInt(ch, 36);
    rem = (v >= 10 ? rem * 100 + v : rem * 10 + v) % 97;
  }
  return `${country}${String(98 - rem).padStart(2, '0')}${bban}`;
}
function b62(n: number): string {
  let s = '';
  while (n > 0) {
    s = ALNUM[(n % 62 < 10 ? 52 : n % 62 < 36 ? -10 : -36) + (n % 62)] + s;
    n = Math.floor(n / 62);
  }
  return s.padStart(6, '0');
}
const b64url = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const pem = (label: string): string =>
  `-----BEGIN ${label}-----\n${(chars(`${ALNUM}+/`, 256).match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----`;

function generated(): Sample[] {
  const out: Sample[] = [];
  const add = (value: string, label: SensitiveType | null, note: string, field?: string): void => {
    out.push(field === undefined ? { value, label, note } : { value, label, note, field });
  };
  for (let i = 0; i < 10; i++) {
    add(card(pick(['34', '37']), 15), 'card', 'amex');
    add(groups(card('37', 15), [4, 6], ' '), 'card', 'amex 4-6-5');
    add(card(pick(['6011', '65', '644']), 16), 'card', 'discover');
    add(card(pick(['3528', '3589']), 16), 'card', 'jcb');
    add(groups(card(pick(['36', '38', '300']), 14), [4, 6], ' '), 'card', 'diners 4-6-4');
    add(card(pick(['621', '623', '624']), pick([16, 19])), 'card', 'unionpay');
    add(card('4', 19), 'card', 'visa 19');
    add(groups(card('4', 16), [4, 4, 4], '-'), 'card', 'visa dashed');
    const bad = card('4', 16);
    add(bad.slice(0, 15) + String((Number(bad[15]) + 3) % 10), null, 'card fails Luhn');
    add(card('9', 16), null, 'Luhn-valid, no issuer');
    add(card('1', 13), null, 'Luhn-valid 13-digit epoch-ms-like');
  }
  const ibanShapes: readonly [string, number][] = [
    ['FR', 27],
    ['NL', 18],
    ['IT', 27],
    ['ES', 24],
    ['BE', 16],
    ['CH', 21],
    ['NO', 15],
    ['PL', 28],
    ['SA', 24],
  ];
  for (let i = 0; i < 4; i++) {
    for (const [cc, len] of ibanShapes) {
      const v = iban(cc, cc === 'NL' ? `ABNA${chars(DIGITS, len - 8)}` : chars(DIGITS, len - 4));
      add(i % 2 === 0 ? v : groups(v, Array(8).fill(4), ' '), 'iban', cc);
      // Swap the first two differing adjacent BBAN digits: mod 97 catches every such transposition.
      let k = 4;
      while (k + 1 < v.length && v[k] === v[k + 1]) k++;
      add(`${v.slice(0, k)}${v[k + 1]}${v[k]}${v.slice(k + 2)}`, null, `${cc} transposed digits`);
    }
    add(iban('XX', chars(DIGITS, 18)), null, 'unknown country');
  }
  for (let i = 0; i < 20; i++) {
    const a = String(1 + int(665)).padStart(3, '0');
    const g = String(1 + int(99)).padStart(2, '0');
    const s = String(1 + int(9999)).padStart(4, '0');
    add(`${a} ${g} ${s}`, 'ssn', 'spaced');
    add(`${a}${g}${s}`, 'ssn', 'bare with field', 'ssn');
    add(`${a}${g}${s}`, null, 'bare 9 digits, no field');
    add(`9${String(int(100)).padStart(2, '0')}-${g}-${s}`, null, 'SSN area 9xx');
  }
  const ninoFirst = 'ABCEGHJKLMNOPRSTWXYZ';
  const ninoSecond = 'ABCEGHJKLMNPRSTWXYZ';
  for (let i = 0; i < 15; i++) {
    let prefix = pick([...ninoFirst]) + pick([...ninoSecond]);
    if (['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ'].includes(prefix)) prefix = 'AB';
    const d = chars(DIGITS, 6);
    add(
      `${prefix} ${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4)} ${pick(['A', 'B', 'C', 'D'])}`,
      'national_id',
      'NINO',
    );
    add(`${prefix}${d}${pick(['A', 'B', 'C', 'D'])}`, 'national_id', 'NINO compact');
    add(`QQ${d}A`, null, 'NINO bad prefix');
    const body = pick(['1', '2', '4', '5', '6', '7', '9']) + chars(DIGITS, 7);
    const sin = body + luhnDigit(body);
    add(groups(sin, [3, 3], '-'), 'national_id', 'SIN');
    add(groups(sin.slice(0, 8) + String((Number(sin[8]) + 1) % 10), [3, 3], '-'), null, 'SIN fails Luhn');
    const dni = chars(DIGITS, 8);
    const letter = 'TRWAGMYFPDXBNJZSQVHLCKE'[Number(dni) % 23]!;
    add(`${dni}${letter}`, 'national_id', 'DNI');
    add(`${dni}${letter === 'A' ? 'B' : 'A'}`, null, 'DNI wrong letter');
    let bsn = '';
    for (;;) {
      const c = chars(DIGITS, 8);
      let sum = 0;
      for (let k = 0; k < 8; k++) sum += (9 - k) * Number(c[k]);
      const last = sum % 11;
      if (last <= 9) {
        bsn = c + String(last);
        break;
      }
    }
    add(bsn, 'national_id', 'BSN with field', 'bsn');
  }
  const names = ['maria', 'j.smith', 'dev-ops', 'x_y', 'first.last+news'];
  const domains = ['example.com', 'mail.example.de', 'sub.corp.example.co.uk', 'example.io'];
  for (let i = 0; i < 20; i++) add(`${pick(names)}${int(100)}@${pick(domains)}`, 'email', 'generated');
  for (const v of [
    'icon@2x.png',
    'user@localhost',
    'npm:@scope/pkg@1.2.3',
    '@handle',
    'a@b',
    'x..y@example.com',
  ]) {
    add(v, null, 'not an address');
  }
  for (let i = 0; i < 10; i++) {
    const area = `${2 + int(8)}${int(9)}${int(10)}`;
    const ex = `${2 + int(8)}${chars(DIGITS, 2)}`;
    const line = chars(DIGITS, 4);
    add(`(${area}) ${ex}-${line}`, 'phone', 'NANP parens');
    add(`${area}-${ex}-${line}`, 'phone', 'NANP dashed');
    add(`+1 ${area} ${ex} ${line}`, 'phone', 'E.164 spaced');
    add(`+44 20 ${chars(DIGITS, 4)} ${chars(DIGITS, 4)}`, 'phone', 'UK intl');
    add(`020 ${chars(DIGITS, 4)} ${chars(DIGITS, 4)}`, 'phone', 'UK national');
    add(`+49 (0)30 ${chars(DIGITS, 8)}`, 'phone', 'DE trunk');
    add(
      `0${1 + int(9)} ${chars(DIGITS, 2)} ${chars(DIGITS, 2)} ${chars(DIGITS, 2)} ${chars(DIGITS, 2)}`,
      'phone',
      'FR',
    );
    add(`1${chars(DIGITS, 2)}-${chars(DIGITS, 3)}-${chars(DIGITS, 4)}`, null, 'NANP area starting 1');
    add(chars(DIGITS, 10), null, 'bare 10 digits');
    add(`+${chars(DIGITS, 4)}`, null, 'short +number');
  }
  for (let i = 0; i < 15; i++) {
    add(`${1 + int(223)}.${int(256)}.${int(256)}.${1 + int(254)}`, 'ip', 'IPv4');
    const g = Array.from({ length: 8 }, () => chars(HEX, 1 + int(4)));
    add(g.join(':'), 'ip', 'IPv6 full');
    add(`2001:db8:${g[2]}::${g[7]}`, 'ip', 'IPv6 compressed');
    add(`${int(300) + 256}.${int(256)}.${int(256)}.${int(256)}`, null, 'octet > 255');
    add(
      `${chars(HEX, 2)}:${chars(HEX, 2)}:${chars(HEX, 2)}:${chars(HEX, 2)}:${chars(HEX, 2)}:${chars(HEX, 2)}`,
      null,
      'MAC',
    );
    add(`${int(24)}:${int(60)}:${int(60)}`, null, 'time');
    add(`1.${int(20)}.${int(50)}.${1000 + int(9000)}`, null, '4-part build version');
  }
  add('::1', 'ip', 'IPv6 loopback');
  for (let i = 0; i < 15; i++) {
    const alg = pick(['HS256', 'RS256', 'ES256', 'EdDSA', 'PS512']);
    const tok = `${b64url({ alg, typ: 'JWT', kid: chars(ALNUM, 8) })}.${b64url({ sub: chars(ALNUM, 10), iat: 1767225600 + i })}.${chars(B64URL, 43)}`;
    add(tok, 'jwt', alg);
    add(`${b64url({ typ: 'JWT' })}.${b64url({ sub: 'x' })}.${chars(B64URL, 43)}`, null, 'no alg');
    add(`${b64url({ a: 1 })}.${b64url({ b: 2 })}`, null, 'two base64 JSON parts');
  }
  for (let i = 0; i < 6; i++) {
    add(`AKIA${chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`, 'api_key', 'aws');
    const body = chars(ALNUM, 30);
    add(`ghp_${body}${b62(crc32(body))}`, 'api_key', 'github');
    add(`github_pat_${chars(`${ALNUM}_`, 82)}`, 'api_key', 'github fine-grained');
    add(`sk_live_${chars(ALNUM, 32)}`, 'api_key', 'stripe');
    add(`xoxb-${chars(DIGITS, 11)}-${chars(DIGITS, 12)}-${chars(ALNUM, 24)}`, 'api_key', 'slack');
    add(`AIza${chars(B64URL, 35)}`, 'api_key', 'google');
    add(`glpat-${chars(B64URL, 20)}`, 'api_key', 'gitlab');
    add(`AKIA${chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 12)}`, null, 'AKIA too short');
    add(`pk_live_${chars(ALNUM, 24)}`, null, 'stripe publishable key');
    add(`sk_live_${chars(ALNUM, 8)}`, null, 'stripe too short');
    add(`ghp_${chars(ALNUM, 20)}`, null, 'github too short');
  }
  for (const label of [
    'PRIVATE KEY',
    'RSA PRIVATE KEY',
    'EC PRIVATE KEY',
    'OPENSSH PRIVATE KEY',
    'ENCRYPTED PRIVATE KEY',
  ]) {
    add(pem(label), 'private_key', label);
  }
  add(pem('PUBLIC KEY'), null, 'public key');
  add(pem('CERTIFICATE'), null, 'certificate');
  for (let i = 0; i < 5; i++) {
    add(`$2y$10$${chars(CRYPT64, 53)}`, 'password_hash', 'bcrypt 2y');
    add(
      `$argon2id$v=19$m=65536,t=3,p=4$${chars(`${ALNUM}+/`, 22)}$${chars(`${ALNUM}+/`, 43)}`,
      'password_hash',
      'argon2id',
    );
    add(`$6$rounds=5000$${chars(CRYPT64, 16)}$${chars(CRYPT64, 86)}`, 'password_hash', 'sha512-crypt');
    add(`$5$${chars(CRYPT64, 16)}$${chars(CRYPT64, 43)}`, 'password_hash', 'sha256-crypt');
    add(
      `$scrypt$ln=16,r=8,p=1$${chars(`${ALNUM}+/`, 22)}$${chars(`${ALNUM}+/`, 43)}`,
      'password_hash',
      'scrypt',
    );
    add(
      `pbkdf2_sha256$600000$${chars(ALNUM, 22)}$${chars(`${ALNUM}+/`, 43)}=`,
      'password_hash',
      'django pbkdf2',
    );
    add(chars(HEX, 64), 'password_hash', 'bare sha256 with field', 'password_hash');
    add(chars(HEX, 40), null, 'bare sha1 (git commit), no field');
    add(`$2b$12$${chars(CRYPT64, 20)}`, null, 'truncated bcrypt');
    add(`$${int(1000)}.${chars(DIGITS, 2)}`, null, 'price');
  }
  // Everyday look-alikes.
  for (let i = 0; i < 30; i++) {
    add(`#${chars('0123456789abcdef', 6)}`, null, 'hex colour');
    add(chars('0123456789abcdef', 6), null, 'bare hex colour');
    add(`${int(5)}.${int(30)}.${int(100)}`, null, 'semver');
    add(String(1_700_000_000_000 + int(100_000_000_000)), null, 'epoch ms');
    add(String(1_700_000_000 + int(100_000_000)), null, 'epoch s');
    add(`ORD-${chars(DIGITS, 12)}`, null, 'order id');
    add(pick(['0', '1']) + chars(DIGITS, 15), null, '16-digit reference number');
    add(`2026-${String(1 + int(12)).padStart(2, '0')}-${String(1 + int(28)).padStart(2, '0')}`, null, 'date');
    add(`${(rand() * 180 - 90).toFixed(4)},${(rand() * 360 - 180).toFixed(4)}`, null, 'coordinates');
    add(Buffer.from(chars(ALNUM, 24)).toString('base64'), null, 'base64 blob');
  }
  return out;
}

interface Tally {
  tp: number;
  fp: number;
  fn: number;
}

function evaluate(samples: readonly Sample[]): { tallies: Map<SensitiveType, Tally>; errors: string[] } {
  const tallies = new Map<SensitiveType, Tally>();
  const tally = (t: SensitiveType): Tally => {
    let x = tallies.get(t);
    if (x === undefined) {
      x = { tp: 0, fp: 0, fn: 0 };
      tallies.set(t, x);
    }
    return x;
  };
  const errors: string[] = [];
  for (const s of samples) {
    const opts = s.field === undefined ? undefined : { fieldName: s.field };
    const got = classifyValue(s.value, opts)?.type ?? null;
    if (got === s.label) {
      if (got !== null) tally(got).tp++;
    } else {
      if (got !== null) tally(got).fp++;
      if (s.label !== null) tally(s.label).fn++;
      const shown = s.value.length > 60 ? `${s.value.slice(0, 57)}...` : s.value;
      errors.push(
        `  expected ${s.label ?? 'none'}, got ${got ?? 'none'}: ${JSON.stringify(shown)} (${s.note})`,
      );
    }
  }
  return { tallies, errors };
}

function pct(num: number, den: number): string {
  return den === 0 ? 'n/a' : (num / den).toFixed(3);
}

function printTable(title: string, samples: readonly Sample[]): void {
  const { tallies, errors } = evaluate(samples);
  const negatives = samples.filter((s) => s.label === null).length;
  console.log(`\n### ${title}: ${samples.length} values (${negatives} look-alikes)\n`);
  console.log('| type | TP | FP | FN | precision | recall |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const type of SENSITIVE_TYPES) {
    const t = tallies.get(type);
    if (t === undefined) continue;
    console.log(
      `| ${type} | ${t.tp} | ${t.fp} | ${t.fn} | ${pct(t.tp, t.tp + t.fp)} | ${pct(t.tp, t.tp + t.fn)} |`,
    );
  }
  if (errors.length > 0) {
    console.log(`\nmisclassified (${errors.length}):`);
    for (const e of errors.slice(0, 40)) console.log(e);
  }
}

function fieldNameTable(): void {
  const cases: readonly [string, SensitiveType | null][] = [
    ['password', 'secret_field'],
    ['newPassword', 'secret_field'],
    ['password_confirmation', 'secret_field'],
    ['passwd', 'secret_field'],
    ['client_secret', 'secret_field'],
    ['accessToken', 'secret_field'],
    ['refresh_token', 'secret_field'],
    ['passwordHash', 'password_hash'],
    ['hashed_password', 'password_hash'],
    ['ssn', 'ssn'],
    ['social_security_number', 'ssn'],
    ['card_number', 'card'],
    ['cardNumber', 'card'],
    ['cvv', 'card'],
    ['api_key', 'api_key'],
    ['X-Api-Key', 'api_key'],
    ['apiKey', 'api_key'],
    ['private_key', 'private_key'],
    ['iban', 'iban'],
    ['email', 'email'],
    ['emailAddress', 'email'],
    ['phone_number', 'phone'],
    ['ip_address', 'ip'],
    ['national_id', 'national_id'],
    ['bsn', 'national_id'],
    ['token_type', null],
    ['next_page_token', null],
    ['password_changed_at', null],
    ['passwordPolicy', null],
    ['email_verified', null],
    ['phoneVerified', null],
    ['tokens_used', null],
    ['key', null],
    ['id', null],
    ['name', null],
    ['keyboard', null],
    ['passport_country', null],
    ['description', null],
    ['cardholder', null],
  ];
  let ok = 0;
  const wrong: string[] = [];
  for (const [name, want] of cases) {
    const got = classifyFieldName(name);
    if (got === want) ok++;
    else wrong.push(`  ${name}: expected ${want}, got ${got}`);
  }
  console.log(`\n### classifyFieldName: ${ok}/${cases.length} names as expected`);
  for (const w of wrong) console.log(w);
}

function throughput(samples: readonly Sample[]): void {
  const values = samples.map((s) => s.value);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 1000) {
    for (const v of values) classifyValue(v);
    n += values.length;
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `\nclassifyValue: ${Math.round(n / secs).toLocaleString('en')} values/s (${n} values in ${secs.toFixed(2)} s)`,
  );

  const text = `${values.join(' lorem ipsum, ')} `
    .repeat(Math.ceil(1_000_000 / values.join(' lorem ipsum, ').length))
    .slice(0, 1_000_000);
  const t1 = performance.now();
  let found = 0;
  for (let i = 0; i < 5; i++) found = classifyText(text).length;
  const mbps = (5 * text.length) / 1e6 / ((performance.now() - t1) / 1000);
  console.log(`classifyText: ${mbps.toFixed(1)} MB/s on 1 MB of mixed text (${found} matches)`);

  const key = createPseudonymKey('bench-key-0123456789abcdef');
  const masker = createJsonMasker({
    types: {
      card: { kind: 'partial' },
      email: { kind: 'partial' },
      ssn: { kind: 'pseudonym', key },
      secret_field: { kind: 'redact' },
    },
  });
  const doc = Array.from({ length: 10_000 }, (_, i) => ({
    id: i,
    name: `user ${i}`,
    email: `user${i}@example.com`,
    card: '4242 4242 4242 4242',
    password: 'x',
    note: 'paid on 2026-01-15',
  }));
  const t2 = performance.now();
  const r = masker(doc);
  const ms = performance.now() - t2;
  console.log(`createJsonMasker: 10,000 objects (60,000 leaves) in ${ms.toFixed(0)} ms, ok=${r.ok}`);

  // A ~10 KB response with every type looked for (the gateway benchmark's report body shape).
  const everything = createJsonMasker({
    types: Object.fromEntries(SENSITIVE_TYPES.map((t) => [t, { kind: 'redact' }])),
  });
  const report = {
    generatedAt: '2026-06-01T00:00:00Z',
    currency: 'EUR',
    days: Array.from({ length: 150 }, (_, i) => ({
      day: `2026-05-${i}`,
      views: 1000 + i,
      orders: 10 + i,
      revenue: 100.5 + i,
    })),
  };
  const bytes = JSON.stringify(report).length;
  for (let i = 0; i < 50; i++) everything(report);
  const t3 = performance.now();
  for (let i = 0; i < 500; i++) everything(report);
  const per = (performance.now() - t3) / 500;
  console.log(
    `createJsonMasker, all types: ${(per * 1000).toFixed(0)} µs per ${(bytes / 1024).toFixed(1)} KB response`,
  );
}

// Benign API inputs (names, prose, paths, code): every match is printed for a human to judge.
function benignText(): void {
  const url = new URL('../../../shared/corpus/benign/api-inputs.txt', import.meta.url);
  let lines: string[];
  try {
    lines = readFileSync(url, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0);
  } catch {
    console.log('\n(benign corpus missing: skipped)');
    return;
  }
  const hits: string[] = [];
  for (const line of lines) {
    for (const m of classifyText(line))
      hits.push(
        `  ${m.type}: ${JSON.stringify(line.slice(m.start, m.end))} in ${JSON.stringify(line.slice(0, 80))}`,
      );
  }
  console.log(`\n### classifyText on ${lines.length} benign API inputs: ${hits.length} matches (judge each)`);
  for (const h of hits) console.log(h);
}

// Inputs built to make a backtracking or quadratic scanner stall: time per MB must stay flat.
function worstCases(): void {
  const patterns = [
    '1 ',
    '4242-',
    'a@',
    'a.b@c',
    '$2b$12$',
    '$',
    ' eyJhbGciOiJIUzI1NiJ9.',
    '-----BEGIN PRIVATE KEY-----',
    ':',
    'a:',
    '+1 (0)',
    'DE89 ',
    ' AKIA',
    'password=',
    'Bearer ',
    '1.1.',
    'AB 12 ',
    ' xoxb-',
    '12345678',
  ];
  const rows: string[] = [];
  let worst = 0;
  for (const p of patterns) {
    const ms: number[] = [];
    for (const size of [100_000, 1_000_000]) {
      const text = p.repeat(Math.ceil(size / p.length)).slice(0, size);
      const t0 = performance.now();
      classifyText(text, { minConfidence: 0 });
      ms.push(performance.now() - t0);
    }
    worst = Math.max(worst, ms[1]!);
    rows.push(`${JSON.stringify(p)} ${ms[0]!.toFixed(0)}/${ms[1]!.toFixed(0)}`);
  }
  console.log(
    `\nworst-case inputs, classifyText ms for 100 KB / 1 MB (slowest 1 MB: ${worst.toFixed(0)} ms):`,
  );
  console.log(`  ${rows.join(', ')}`);
}

const corpus = loadCorpus();
const extra = generated();
console.log('## Sensitive-data classifiers: classifyValue on labeled values');
printTable('corpus ../shared/corpus/pii/samples.jsonl', corpus);
printTable('generated here (types and look-alikes the corpus lacks)', extra);
fieldNameTable();
benignText();
throughput([...corpus, ...extra]);
worstCases();
