import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The dashboard's session cookie. */
export const SESSION_COOKIE = 'rampart_session';
/** A session ends this long after sign-in, whatever its use. */
export const SESSION_MAX_AGE_MS = 8 * 3_600_000;
/** A session ends after this long without a request. */
export const SESSION_IDLE_MS = 30 * 60_000;
const MAX_SESSIONS = 1000;
const MAX_COOKIE_HEADER = 8192;

/** A signed-in dashboard session: its CSRF token and when it ends at the latest. */
export interface AdminSession {
  readonly csrf: string;
  readonly expiresAt: number;
  lastUsed: number;
}

const digest = (id: string): string => createHash('sha256').update(id, 'utf8').digest('base64url');

/**
 * Sessions of the admin dashboard, kept in this process. Only the SHA-256 of a session id is
 * stored, so the table leaks nothing usable; bounded, the oldest session goes first when full.
 */
export class SessionStore {
  readonly #sessions = new Map<string, AdminSession>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Start a session; returns its id (for the cookie only) and the session. */
  create(): { id: string; session: AdminSession } {
    const now = this.#now();
    if (this.#sessions.size >= MAX_SESSIONS) {
      for (const [k, s] of this.#sessions) if (!this.#live(s, now)) this.#sessions.delete(k);
      const oldest = this.#sessions.keys().next().value;
      if (this.#sessions.size >= MAX_SESSIONS && oldest !== undefined) this.#sessions.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    const session: AdminSession = {
      csrf: randomBytes(32).toString('base64url'),
      expiresAt: now + SESSION_MAX_AGE_MS,
      lastUsed: now,
    };
    this.#sessions.set(digest(id), session);
    return { id, session };
  }

  /** The live session of a cookie value, touched; undefined when unknown or ended. */
  get(id: string): AdminSession | undefined {
    const key = digest(id);
    const s = this.#sessions.get(key);
    if (s === undefined) return undefined;
    const now = this.#now();
    if (!this.#live(s, now)) {
      this.#sessions.delete(key);
      return undefined;
    }
    s.lastUsed = now;
    return s;
  }

  /** End a session. */
  delete(id: string): void {
    this.#sessions.delete(digest(id));
  }

  #live(s: AdminSession, now: number): boolean {
    return now < s.expiresAt && now - s.lastUsed < SESSION_IDLE_MS;
  }
}

/** Whether a presented CSRF token is the session's, compared in constant time. */
export function csrfMatches(session: AdminSession, presented: string | string[] | undefined): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The session id in a Cookie header, if any (bounded parse). */
export function sessionIdFrom(cookieHeader: string | undefined): string | undefined {
  if (cookieHeader === undefined || cookieHeader.length > MAX_COOKIE_HEADER) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const v = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{43}$/.test(v) ? v : undefined;
  }
  return undefined;
}

/** The Set-Cookie value of a new session: Secure, HttpOnly, SameSite=Strict. */
export function sessionCookie(id: string): string {
  return `${SESSION_COOKIE}=${id}; Path=/; Max-Age=${SESSION_MAX_AGE_MS / 1000}; Secure; HttpOnly; SameSite=Strict`;
}

/** The Set-Cookie value that clears the session cookie. */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict`;
}
