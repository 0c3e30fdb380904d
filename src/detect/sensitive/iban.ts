import { isAlnum, isDigit, isUpper } from './chars.ts';
import { match, type SensitiveMatch } from './types.ts';

// IBAN lengths per country (SWIFT IBAN registry).
const IBAN_LENGTHS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    AD: 24,
    AE: 23,
    AL: 28,
    AT: 20,
    AZ: 28,
    BA: 20,
    BE: 16,
    BG: 22,
    BH: 22,
    BI: 27,
    BR: 29,
    BY: 28,
    CH: 21,
    CR: 22,
    CY: 28,
    CZ: 24,
    DE: 22,
    DJ: 27,
    DK: 18,
    DO: 28,
    EE: 20,
    EG: 29,
    ES: 24,
    FI: 18,
    FK: 18,
    FO: 18,
    FR: 27,
    GB: 22,
    GE: 22,
    GI: 23,
    GL: 18,
    GR: 27,
    GT: 28,
    HR: 21,
    HU: 28,
    IE: 22,
    IL: 23,
    IQ: 23,
    IS: 26,
    IT: 27,
    JO: 30,
    KW: 30,
    KZ: 20,
    LB: 28,
    LC: 32,
    LI: 21,
    LT: 20,
    LU: 20,
    LV: 21,
    LY: 25,
    MC: 27,
    MD: 24,
    ME: 22,
    MK: 19,
    MN: 20,
    MR: 27,
    MT: 31,
    MU: 30,
    NI: 28,
    NL: 18,
    NO: 15,
    OM: 23,
    PK: 24,
    PL: 28,
    PS: 29,
    PT: 25,
    QA: 29,
    RO: 24,
    RS: 22,
    RU: 33,
    SA: 24,
    SC: 31,
    SD: 18,
    SE: 24,
    SI: 19,
    SK: 24,
    SM: 27,
    SO: 23,
    ST: 25,
    SV: 28,
    TL: 23,
    TN: 24,
    TR: 26,
    UA: 29,
    VA: 22,
    VG: 24,
    XK: 20,
    YE: 30,
  }),
);

// A country code and check digits at a word start.
const START_RE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}/g;

/** The expected IBAN length for a two-letter country code, or undefined when it issues none. */
export function ibanLength(country: string): number | undefined {
  return IBAN_LENGTHS.get(country);
}

/** ISO 13616 mod-97 check of a compact upper-case IBAN (country length not checked). */
export function ibanChecksumValid(iban: string): boolean {
  const check = Number(iban.slice(2, 4));
  if (!(check >= 2 && check <= 98)) return false;
  let rem = 0;
  const len = iban.length;
  for (let k = 0; k < len; k++) {
    const c = iban.charCodeAt((k + 4) % len);
    if (isDigit(c)) rem = (rem * 10 + (c - 48)) % 97;
    else if (isUpper(c)) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/** Finds IBANs, compact or printed in groups of four, with a valid length and mod-97 checksum. */
export function scanIbans(text: string, out: SensitiveMatch[]): void {
  const n = text.length;
  START_RE.lastIndex = 0;
  for (let hit = START_RE.exec(text); hit !== null; hit = START_RE.exec(text)) {
    const i = hit.index;
    START_RE.lastIndex = i + 1;
    const want = IBAN_LENGTHS.get(text.slice(i, i + 2));
    if (want === undefined) continue;
    let compact = '';
    let j = i;
    let spaced = false;
    while (j < n && compact.length < want) {
      const c = text.charCodeAt(j);
      if (isDigit(c) || isUpper(c)) {
        compact += text[j];
        j++;
      } else if (c === 32 && compact.length % 4 === 0 && compact.length > 0 && j + 1 < n) {
        spaced = true;
        j++;
      } else break;
    }
    if (compact.length !== want || (j < n && isAlnum(text.charCodeAt(j)))) continue;
    if (!ibanChecksumValid(compact)) continue;
    out.push(match('iban', spaced ? 0.97 : 0.95, i, j, compact.slice(0, 2)));
    START_RE.lastIndex = j;
  }
}
