import { luhnValid } from './chars.ts';
import { match, type SensitiveMatch } from './types.ts';

// UK National Insurance number: prefix letters exclude D F I Q U V (and O second); suffix A-D.
const NINO_RE =
  /(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])( ?)(\d{2})\2(\d{2})\2(\d{2})\2([A-D])(?![A-Za-z0-9])/g;
const NINO_BAD_PREFIXES: ReadonlySet<string> = new Set(['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ']);
// Canadian SIN printed 3-3-3 with one consistent separator.
const SIN_RE = /(?<![\w.-])(\d{3})([- ])(\d{3})\2(\d{3})(?![\w-]|\.\d)/g;
// Spanish DNI (8 digits + letter) and NIE (X/Y/Z + 7 digits + letter).
const DNI_RE = /(?<![A-Za-z0-9])(?:([XYZ])-?(\d{7})|(\d{8}))-?([A-Z])(?![A-Za-z0-9])/g;
const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Whether a UK NINO prefix is one HMRC allocates. */
function ninoPrefixOk(prefix: string): boolean {
  return !NINO_BAD_PREFIXES.has(prefix);
}

/** Whether a 9-digit string is a valid Canadian SIN (Luhn; 0 and 8 are never issued first digits). */
export function sinValid(digits: string): boolean {
  return /^\d{9}$/.test(digits) && digits[0] !== '0' && digits[0] !== '8' && luhnValid(digits);
}

/** Whether a 9-digit string passes the Dutch BSN 11-test. */
export function bsnValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits) || digits === '000000000') return false;
  let sum = 0;
  for (let k = 0; k < 8; k++) sum += (9 - k) * (digits.charCodeAt(k) - 48);
  sum -= digits.charCodeAt(8) - 48;
  return sum % 11 === 0;
}

/** Whether a Spanish DNI/NIE number (digits after mapping X/Y/Z to 0/1/2) carries its control letter. */
export function dniLetterValid(number: string, letter: string): boolean {
  return DNI_LETTERS[Number(number) % 23] === letter;
}

/** Finds national identity numbers: UK NINO, Canadian SIN (formatted), Spanish DNI/NIE. */
export function scanNationalIds(text: string, out: SensitiveMatch[]): void {
  NINO_RE.lastIndex = 0;
  for (let m = NINO_RE.exec(text); m !== null; m = NINO_RE.exec(text)) {
    if (!ninoPrefixOk(m[1]!)) continue;
    out.push(match('national_id', m[2] === ' ' ? 0.85 : 0.75, m.index, m.index + m[0].length, 'GB'));
  }
  SIN_RE.lastIndex = 0;
  for (let m = SIN_RE.exec(text); m !== null; m = SIN_RE.exec(text)) {
    if (!sinValid(m[1]! + m[3]! + m[4]!)) continue;
    out.push(match('national_id', 0.6, m.index, m.index + m[0].length, 'CA'));
  }
  DNI_RE.lastIndex = 0;
  for (let m = DNI_RE.exec(text); m !== null; m = DNI_RE.exec(text)) {
    const nie = m[1];
    const number = nie === undefined ? m[3]! : String('XYZ'.indexOf(nie)) + m[2]!;
    if (!dniLetterValid(number, m[4]!)) continue;
    out.push(match('national_id', 0.85, m.index, m.index + m[0].length, 'ES'));
  }
}
