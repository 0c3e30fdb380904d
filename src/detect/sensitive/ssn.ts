import { match, type SensitiveMatch } from './types.ts';

// 3-2-4 digits joined by one consistent dash or space; neighbours must not extend the number.
const SSN_RE = /(?<![\w.-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-]|\.\d)/g;

/** US SSN validity rules: area not 000, 666 or 9xx; group not 00; serial not 0000. */
export function ssnValid(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (group === '00' || serial === '0000') return false;
  // Numbers voided after public misuse (Woolworth wallet card, a 1940s advertisement).
  const whole = area + group + serial;
  return whole !== '078051120' && whole !== '219099999';
}

/** Whether a bare 9-digit string is a valid US SSN. */
export function ssnDigitsValid(digits: string): boolean {
  return /^\d{9}$/.test(digits) && ssnValid(digits.slice(0, 3), digits.slice(3, 5), digits.slice(5));
}

/** Finds US social security numbers written 123-45-6789 or 123 45 6789. */
export function scanSsns(text: string, out: SensitiveMatch[]): void {
  SSN_RE.lastIndex = 0;
  for (let m = SSN_RE.exec(text); m !== null; m = SSN_RE.exec(text)) {
    if (!ssnValid(m[1]!, m[3]!, m[4]!)) continue;
    out.push(match('ssn', m[2] === '-' ? 0.85 : 0.7, m.index, m.index + m[0].length, 'US'));
  }
}
