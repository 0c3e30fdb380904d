import { isAlnum } from './chars.ts';
import { match, type SensitiveMatch } from './types.ts';

// Modular crypt formats; each is tried sticky at a '$' so that the scan stays linear.
const CRYPT: readonly { readonly re: RegExp; readonly detail: string }[] = [
  { re: /\$2[abxy]?\$(?:0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}(?![./A-Za-z0-9$])/y, detail: 'bcrypt' },
  {
    re: /\$argon2(id|i|d)\$(?:v=\d{1,3}\$)?m=\d{1,10},t=\d{1,10},p=\d{1,3}\$[A-Za-z0-9+/]{8,128}\$[A-Za-z0-9+/]{16,128}(?![A-Za-z0-9+/=$])/y,
    detail: 'argon2',
  },
  {
    re: /\$scrypt\$ln=\d{1,2},r=\d{1,3},p=\d{1,3}\$[A-Za-z0-9+/.]{1,128}\$[A-Za-z0-9+/.]{16,128}(?![A-Za-z0-9+/.=$])/y,
    detail: 'scrypt',
  },
  { re: /\$7\$[./A-Za-z0-9]{14,64}\$[./A-Za-z0-9]{43}(?![./A-Za-z0-9$])/y, detail: 'scrypt' },
  {
    re: /\$y\$[./A-Za-z0-9]{1,32}\$[./A-Za-z0-9]{1,64}\$[./A-Za-z0-9]{43}(?![./A-Za-z0-9$])/y,
    detail: 'yescrypt',
  },
  {
    re: /\$5\$(?:rounds=\d{1,9}\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43}(?![./A-Za-z0-9$])/y,
    detail: 'sha256-crypt',
  },
  {
    re: /\$6\$(?:rounds=\d{1,9}\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{86}(?![./A-Za-z0-9$])/y,
    detail: 'sha512-crypt',
  },
  { re: /\$(?:1|apr1)\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}(?![./A-Za-z0-9$])/y, detail: 'md5-crypt' },
  {
    re: /\$pbkdf2(?:-sha(?:1|256|512))?\$\d{1,7}\$[./A-Za-z0-9+]{1,128}\$[./A-Za-z0-9+]{16,256}(?![./A-Za-z0-9+=$])/y,
    detail: 'pbkdf2',
  },
];
// Django's 'pbkdf2_sha256$600000$salt$hash='.
const DJANGO_RE =
  /pbkdf2_sha(?:1|256)\$\d{1,7}\$[A-Za-z0-9./+]{1,128}\$[A-Za-z0-9+/]{27,128}={0,2}(?![A-Za-z0-9+/=$])/y;
const HEX_LENGTHS: ReadonlyMap<number, string> = new Map([
  [32, 'md5'],
  [40, 'sha1'],
  [64, 'sha256'],
  [128, 'sha512'],
]);

/** The hex digest name when value is a bare hex string of a digest length, else null. */
export function bareHexDigest(value: string): string | null {
  const name = HEX_LENGTHS.get(value.length);
  if (name === undefined) return null;
  const lower = /^[0-9a-f]+$/.test(value);
  const upper = /^[0-9A-F]+$/.test(value);
  return lower || upper ? name : null;
}

/** Finds password hashes in modular crypt (bcrypt, argon2, scrypt, sha-crypt, md5-crypt, pbkdf2) or Django form. */
export function scanPasswordHashes(text: string, out: SensitiveMatch[]): void {
  for (let d = text.indexOf('$'); d !== -1; d = text.indexOf('$', d + 1)) {
    if (d > 0) {
      const p = text.charCodeAt(d - 1);
      if (isAlnum(p) || p === 36) continue;
    }
    for (const { re, detail } of CRYPT) {
      re.lastIndex = d;
      const m = re.exec(text);
      if (m === null) continue;
      const name = detail === 'argon2' ? `argon2${m[1]}` : detail;
      out.push(match('password_hash', 0.97, d, d + m[0].length, name));
      d += m[0].length - 1;
      break;
    }
  }
  for (let p = text.indexOf('pbkdf2_sha'); p !== -1; p = text.indexOf('pbkdf2_sha', p + 1)) {
    if (p > 0 && isAlnum(text.charCodeAt(p - 1))) continue;
    DJANGO_RE.lastIndex = p;
    const m = DJANGO_RE.exec(text);
    if (m === null) continue;
    out.push(match('password_hash', 0.97, p, p + m[0].length, 'pbkdf2'));
    p += m[0].length - 1;
  }
}
