/** Whether a UTF-16 code unit is an ASCII digit. */
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Whether a UTF-16 code unit is an ASCII letter. */
export function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Whether a UTF-16 code unit is an ASCII upper-case letter. */
export function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

/** Whether a UTF-16 code unit is an ASCII letter or digit. */
export function isAlnum(c: number): boolean {
  return isDigit(c) || isAlpha(c);
}

/** Whether a UTF-16 code unit is an ASCII hex digit. */
export function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * Whether a number-like token may start at i: the previous char is not alphanumeric and not a
 * decimal point or comma that follows a digit (so '3.4242…' is one number, not a card).
 */
export function numberStartsAt(text: string, i: number): boolean {
  if (i === 0) return true;
  const p = text.charCodeAt(i - 1);
  if (isAlnum(p) || p === 95 /* _ */) return false;
  if ((p === 46 || p === 44) && i >= 2 && isDigit(text.charCodeAt(i - 2))) return false;
  return true;
}

/** Whether a number-like token may end at i (exclusive): the next char is not alphanumeric nor '.5'/',5'. */
export function numberEndsAt(text: string, i: number): boolean {
  if (i >= text.length) return true;
  const c = text.charCodeAt(i);
  if (isAlnum(c) || c === 95) return false;
  if ((c === 46 || c === 44) && i + 1 < text.length && isDigit(text.charCodeAt(i + 1))) return false;
  return true;
}

/** Luhn (mod 10) check over a string of ASCII digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}
