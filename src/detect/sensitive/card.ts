import { isDigit, luhnValid, numberEndsAt, numberStartsAt } from './chars.ts';
import { match, type SensitiveMatch } from './types.ts';

const DIGIT_RE = /\d/g;

/** The issuer of a card number by its IIN range and length, or null when no known scheme issues it. */
export function cardIssuer(digits: string): string | null {
  const len = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  const long = len >= 16 && len <= 19;
  if (digits[0] === '4') return len === 13 || len === 16 || len === 19 ? 'visa' : null;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return len === 16 ? 'mastercard' : null;
  if (p4 >= 2200 && p4 <= 2204) return long ? 'mir' : null;
  if (p2 === 34 || p2 === 37) return len === 15 ? 'amex' : null;
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925)) {
    return long ? 'discover' : null;
  }
  if (p2 === 62) return long ? 'unionpay' : null;
  if (p4 >= 3528 && p4 <= 3589) return long ? 'jcb' : null;
  if ((p3 >= 300 && p3 <= 305) || p4 === 3095 || p2 === 36 || p2 === 38 || p2 === 39) {
    return len >= 14 && len <= 19 ? 'diners' : null;
  }
  return null;
}

/** The issuer when digits is a valid card number (issuer range, length and Luhn), else null. */
export function validCard(digits: string): string | null {
  if (digits.length < 13 || digits.length > 19) return null;
  const issuer = cardIssuer(digits);
  return issuer !== null && luhnValid(digits) ? issuer : null;
}

// Printed groupings: 4-4-4-4(-3), 4-4-4-1..3 and Amex/Diners 4-6-5 / 4-6-4.
function groupingOk(lens: readonly number[], a: number, b: number): boolean {
  const n = b - a + 1;
  if (n === 1) return true; // an ungrouped number of 13..19 digits next to other numbers
  if (n === 3 && lens[a] === 4 && lens[a + 1] === 6 && (lens[b] === 5 || lens[b] === 4)) return true;
  for (let g = a; g < b; g++) if (lens[g] !== 4) return false;
  const last = lens[b] ?? 0;
  return last >= 1 && last <= 4;
}

/** Finds payment card numbers, plain or grouped by single spaces or dashes. */
export function scanCards(text: string, out: SensitiveMatch[]): void {
  const n = text.length;
  // The regex engine skips non-digits far faster than a charCodeAt loop.
  DIGIT_RE.lastIndex = 0;
  for (let hit = DIGIT_RE.exec(text); hit !== null; hit = DIGIT_RE.exec(text)) {
    let i = hit.index;
    const startsHere = numberStartsAt(text, i);
    // Collect one run of digit groups joined by one consistent separator.
    const starts: number[] = [];
    const ends: number[] = [];
    let sep = -1;
    let j = i;
    let digits = 0;
    for (;;) {
      const gs = j;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      digits += j - gs;
      starts.push(gs);
      ends.push(j);
      if (j + 1 >= n) break;
      const c = text.charCodeAt(j);
      if ((c !== 32 && c !== 45) || (sep !== -1 && c !== sep) || !isDigit(text.charCodeAt(j + 1))) break;
      sep = c;
      j++;
    }
    const runEnd = j;
    // A first group glued to a word ('x1234') or a last one ('1234abc') belongs to another token.
    let groups = starts.length;
    if (!numberEndsAt(text, runEnd)) groups--;
    // a run of fewer than 13 digits holds no card (dates, times, versions): no window to try
    if (digits >= 13) emitWindows(text, starts, ends, startsHere ? 0 : 1, groups, out);
    i = runEnd;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    DIGIT_RE.lastIndex = i;
  }
}

function emitWindows(
  text: string,
  starts: readonly number[],
  ends: readonly number[],
  first: number,
  groups: number,
  out: SensitiveMatch[],
): void {
  if (groups <= first) return;
  const lens: number[] = [];
  for (let g = 0; g < groups; g++) lens.push(ends[g]! - starts[g]!);
  if (groups === 1 && first === 0) {
    const digits = text.slice(starts[0], ends[0]);
    const issuer = validCard(digits);
    if (issuer !== null) out.push(match('card', 0.9, starts[0]!, ends[0]!, issuer));
    return;
  }
  let a = first;
  while (a < groups) {
    let best = -1;
    let bestIssuer = '';
    let total = 0;
    for (let b = a; b < groups; b++) {
      total += lens[b]!;
      if (total > 19) break;
      if (total < 13 || !groupingOk(lens, a, b)) continue;
      let digits = '';
      for (let g = a; g <= b; g++) digits += text.slice(starts[g], ends[g]);
      const issuer = validCard(digits);
      if (issuer !== null) {
        best = b;
        bestIssuer = issuer;
      }
    }
    if (best === -1) {
      a++;
      continue;
    }
    out.push(match('card', best === a ? 0.9 : 0.95, starts[a]!, ends[best]!, bestIssuer));
    a = best + 1;
  }
}
