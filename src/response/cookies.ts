/** Set-Cookie hardening: force Secure, HttpOnly and a SameSite value on the upstream's cookies. */

/** Which attributes are forced; `sameSite: 'keep'` leaves the upstream's SameSite as it is. */
export interface CookieFlags {
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: 'Lax' | 'Strict' | 'None' | 'keep';
}

const MAX_COOKIE = 8192;

/** One Set-Cookie value with the configured attributes forced (replacing the upstream's own). */
export function hardenCookie(value: string, flags: CookieFlags): string {
  if (value.length > MAX_COOKIE) return value;
  const parts = value.split(';');
  const out: string[] = [parts[0]!.trim()];
  // SameSite=None is ignored by browsers without Secure
  const secure = flags.secure || flags.sameSite === 'None';
  for (let i = 1; i < parts.length; i++) {
    const attr = parts[i]!.trim();
    if (attr === '') continue;
    const eq = attr.indexOf('=');
    const name = (eq < 0 ? attr : attr.slice(0, eq)).trim().toLowerCase();
    if (name === 'secure' && secure) continue;
    if (name === 'httponly' && flags.httpOnly) continue;
    if (name === 'samesite' && flags.sameSite !== 'keep') continue;
    out.push(attr);
  }
  if (secure) out.push('Secure');
  if (flags.httpOnly) out.push('HttpOnly');
  if (flags.sameSite !== 'keep') out.push(`SameSite=${flags.sameSite}`);
  return out.join('; ');
}

/** Rewrite the set-cookie header of a header map in place; true when there was one. */
export function hardenSetCookies(headers: Record<string, string | string[]>, flags: CookieFlags): boolean {
  const v = headers['set-cookie'];
  if (v === undefined) return false;
  headers['set-cookie'] = Array.isArray(v) ? v.map((c) => hardenCookie(c, flags)) : hardenCookie(v, flags);
  return true;
}
