import { isAlnum, isDigit, numberEndsAt } from './chars.ts';
import { match, type SensitiveMatch } from './types.ts';

// North American numbers: (415) 555-2671, 415-555-2671, 415.555.2671 (area and exchange start 2-9).
const NANP_RE =
  /(?<![\w.+(-])(?:\(([2-9]\d{2})\) ?|([2-9]\d{2})([-.]))([2-9]\d{2})[-.](\d{4})(?![\w-]|\.\d)/g;
// UK numbers with a trunk 0: 020 7946 0958, 07700 900123, 01632 960 001.
const UK_RE = /(?<![\w.+-])0([1-37-9]\d{1,3})[ ](\d{3,6})(?:[ ](\d{3,4}))?(?![\w-]|\.\d)/g;
// French numbers: 01 23 45 67 89.
const FR_RE = /(?<![\w.+-])0[1-9](?:[ .]\d{2}){4}(?![\w-]|\.\d)/g;

/** Finds phone numbers: international +CC forms (E.164, compact or grouped) and a few national formats. */
export function scanPhones(text: string, out: SensitiveMatch[]): void {
  scanInternational(text, out);
  NANP_RE.lastIndex = 0;
  for (let m = NANP_RE.exec(text); m !== null; m = NANP_RE.exec(text)) {
    const parens = m[1] !== undefined;
    out.push(match('phone', parens ? 0.8 : m[3] === '-' ? 0.75 : 0.65, m.index, m.index + m[0].length, 'US'));
  }
  UK_RE.lastIndex = 0;
  for (let m = UK_RE.exec(text); m !== null; m = UK_RE.exec(text)) {
    const digits = 1 + m[1]!.length + m[2]!.length + (m[3]?.length ?? 0);
    if (digits !== 10 && digits !== 11) continue;
    out.push(match('phone', 0.6, m.index, m.index + m[0].length, 'GB'));
  }
  FR_RE.lastIndex = 0;
  for (let m = FR_RE.exec(text); m !== null; m = FR_RE.exec(text)) {
    out.push(match('phone', 0.65, m.index, m.index + m[0].length, 'FR'));
  }
}

// '+' then digits in groups separated by one space, dash or dot, optionally a parenthesised group
// such as '(0)' (the national trunk prefix, not counted) or '(415)'.
function scanInternational(text: string, out: SensitiveMatch[]): void {
  const n = text.length;
  for (let plus = text.indexOf('+'); plus !== -1; plus = text.indexOf('+', plus + 1)) {
    if (plus + 1 >= n) return;
    const first = text.charCodeAt(plus + 1);
    if (!isDigit(first) || first === 48) continue;
    if (plus > 0) {
      const p = text.charCodeAt(plus - 1);
      if (isAlnum(p) || p === 43 || p === 95) continue;
    }
    let j = plus + 1;
    let digits = 0;
    let lastGood = -1;
    let grouped = false;
    while (j < n && digits <= 15) {
      const c = text.charCodeAt(j);
      if (isDigit(c)) {
        while (j < n && isDigit(text.charCodeAt(j))) {
          j++;
          digits++;
        }
        lastGood = j;
        continue;
      }
      // Separators and groups only directly after digits ('+1 (415)' also after one space).
      if (j !== lastGood && !(c === 40 && j - 1 === lastGood && text.charCodeAt(j - 1) === 32)) break;
      if ((c === 32 || c === 45 || c === 46) && j + 1 < n) {
        const next = text.charCodeAt(j + 1);
        if (isDigit(next)) {
          grouped = true;
          j++;
          continue;
        }
        if (next === 40 && c === 32) {
          j++;
          continue;
        }
        break;
      }
      if (c === 40) {
        // '(d…)' of 1-4 digits
        let k = j + 1;
        while (k < n && k - j <= 5 && isDigit(text.charCodeAt(k))) k++;
        if (k >= n || text.charCodeAt(k) !== 41 || k === j + 1 || k - j > 5) break;
        const inner = text.slice(j + 1, k);
        if (inner !== '0') digits += inner.length;
        grouped = true;
        j = k + 1;
        lastGood = j;
        if (j < n && text.charCodeAt(j) === 32 && j + 1 < n && isDigit(text.charCodeAt(j + 1))) j++;
        continue;
      }
      break;
    }
    if (lastGood === -1 || digits < 8 || digits > 15 || !numberEndsAt(text, lastGood)) continue;
    if (lastGood < n && isDigit(text.charCodeAt(lastGood))) continue;
    out.push(match('phone', grouped ? 0.9 : 0.85, plus, lastGood, 'E.164'));
    plus = lastGood - 1;
  }
}
