import { createHash } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BruteForceConfig } from '../config/schema.ts';
import { refuse } from '../errors.ts';
import {
  addResponseHook,
  CONTINUE,
  type PhaseEntry,
  type RequestContext,
  readBody,
  type Verdict,
} from '../gateway/pipeline.ts';
import { reportStateFailure } from '../state/diagnostics.ts';
import type { SharedState } from '../state/types.ts';
import { addCidr } from './client-gate.ts';
import { localFallback } from './ratelimit.ts';
import type { PolicyCompileContext, PolicyFactory } from './registry.ts';
import { sharedState } from './services.ts';

/** Login bodies are small; a larger one is refused before it is parsed. */
const MAX_LOGIN_BODY = 65_536;
const MAX_USERNAME = 256;

/** The settings of `bruteForce:` with every default filled in. */
export const BRUTE_FORCE_DEFAULTS: BruteForceConfig = Object.freeze({
  enabled: true,
  maxFailures: 5,
  maxFailuresPerIp: 50,
  windowSeconds: 900,
  lockoutSeconds: 900,
  delayAfter: 2,
  baseDelayMs: 250,
  maxDelayMs: 2_000,
  authFailures: true,
  exemptIps: [],
});

/** The blocklist member that locks an IP out of authentication everywhere. */
export function ipLockMember(ip: string): string {
  return `lock:ip:${ip}`;
}

function hashed(s: string): string {
  // usernames never reach the shared state in clear
  return createHash('sha256').update(s).digest('base64url').slice(0, 22);
}

/** The username of a login request body (JSON or form), normalized; undefined when absent. */
export function loginUsername(
  body: Buffer,
  contentType: string | undefined,
  field: string,
): string | undefined {
  let value: unknown;
  const ct = (contentType ?? '').toLowerCase();
  if (ct.includes('application/x-www-form-urlencoded')) {
    value = new URLSearchParams(body.toString('utf8')).get(field) ?? undefined;
  } else {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (
        parsed !== null &&
        typeof parsed === 'object' &&
        !Array.isArray(parsed) &&
        Object.hasOwn(parsed, field)
      ) {
        value = (parsed as Record<string, unknown>)[field];
      }
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'string') return undefined;
  const u = value
    .slice(0, MAX_USERNAME * 4)
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .slice(0, MAX_USERNAME);
  return u === '' ? undefined : u;
}

/** The delay before answering an attempt that follows `failures` failures (progressive, capped). */
export function attemptDelay(failures: number, cfg: BruteForceConfig): number {
  if (failures < cfg.delayAfter || cfg.baseDelayMs === 0) return 0;
  const exp = Math.min(failures - cfg.delayAfter, 20);
  return Math.min(cfg.maxDelayMs, cfg.baseDelayMs * 2 ** exp);
}

function locked(retryAfterSeconds: number): Verdict {
  // one answer whether or not the account exists: the username is never looked up
  return {
    kind: 'refuse',
    refusal: refuse('auth.locked', 'too many failed attempts; try again later', {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    }),
  };
}

const isFailure = (status: number) => status === 401 || status === 403;
const isSuccess = (status: number) => status >= 200 && status < 400;

interface Counters {
  readonly state: SharedState;
  readonly local: SharedState;
  readonly failOpen: boolean;
  readonly route: string;
  /** Whether a client IP is in `exemptIps` (never counted or locked out per IP). */
  readonly exempt: (ip: string) => boolean;
}

/** A matcher for `bruteForce.exemptIps` (IPs and CIDRs); throws ConfigError naming a bad entry. */
export function exemptMatcher(entries: readonly string[]): (ip: string) => boolean {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const [i, e] of entries.entries()) addCidr(list, e, `bruteForce.exemptIps.${i}`);
  return (ip) => {
    const fam = isIP(ip);
    return fam !== 0 && list.check(ip, fam === 6 ? 'ipv6' : 'ipv4');
  };
}

/** Run a state call; on an unreachable state apply the failure mode (undefined = fail-closed). */
async function guarded<T>(c: Counters, fn: (s: SharedState) => Promise<T>): Promise<T | undefined> {
  try {
    return await fn(c.state);
  } catch (err) {
    reportStateFailure({
      policy: 'bruteforce',
      route: c.route,
      failureMode: c.failOpen ? 'fail-open' : 'fail-closed',
      error: err instanceof Error ? err.message : 'error',
    });
    return c.failOpen ? fn(c.local) : undefined;
  }
}

/**
 * Count failed authentications (401) per IP on a route that needs credentials, and lock the IP out
 * once they pass the limit. Counting happens after the response, off the request's path.
 */
function countAuthFailure(c: Counters, cfg: BruteForceConfig, ip: string): void {
  void guarded(c, (s) => s.incr(`bf:ip:${ip}`, cfg.windowSeconds * 1000)).then(
    async (n) => {
      if (n !== undefined && n > cfg.maxFailuresPerIp) {
        await c.state.setMember('block', ipLockMember(ip), cfg.lockoutSeconds * 1000).catch(() => {});
      }
    },
    () => {},
  );
}

/** Compile the settings shared by both entries, or null when brute-force protection is off. */
function settings(ctx: PolicyCompileContext): { cfg: BruteForceConfig; counters: Counters } | null {
  const cfg = ctx.config.bruteForce ?? BRUTE_FORCE_DEFAULTS;
  if (!cfg.enabled) return null;
  return {
    cfg,
    counters: {
      state: sharedState(ctx.services),
      local: localFallback(ctx.services),
      failOpen: ctx.config.state?.failureMode !== 'fail-closed',
      route: `${ctx.api.name}:${ctx.method} ${ctx.template}`,
      exempt: exemptMatcher(cfg.exemptIps),
    },
  };
}

/**
 * First half, in the clientGate phase of login routes and of routes that need credentials: an IP
 * locked out answers 429 `auth.locked` at once (a local check), and failed authentications count.
 */
export const bruteForceGatePolicy: PolicyFactory = {
  name: 'bruteforce',
  phase: 'clientGate',
  compile(ctx: PolicyCompileContext): PhaseEntry | null {
    const s = settings(ctx);
    if (s === null) return null;
    const login = ctx.policy.login !== undefined;
    const countAuth = s.cfg.authFailures && ctx.authenticated && !login;
    if (!login && !countAuth) return null;
    const { cfg, counters } = s;
    return {
      name: 'bruteforce',
      mode: ctx.mode,
      run: function bruteForceGate(rc: RequestContext): Verdict {
        if (counters.exempt(rc.clientIp)) return CONTINUE;
        const until = counters.state.memberUntil('block', ipLockMember(rc.clientIp));
        if (until !== 0) return locked((until - Date.now()) / 1000);
        if (countAuth) {
          addResponseHook(rc, (status) => {
            if (status === 401) countAuthFailure(counters, cfg, rc.clientIp);
          });
        }
        return CONTINUE;
      },
    };
  },
};

/**
 * Second half, on login-like operations (`x-rampart.login`): every attempt counts per username and
 * per IP before it reaches the upstream (so parallel attempts cannot slip past the count); a success
 * clears the username's count, a non-credential answer gives the attempt back. Past `delayAfter`
 * failures each attempt waits longer; past the limits, 429 `auth.locked`.
 */
export const loginPolicy: PolicyFactory = {
  name: 'bruteforce-login',
  phase: 'rateLimit',
  compile(ctx: PolicyCompileContext): PhaseEntry | null {
    const field = ctx.policy.login?.usernameField;
    if (field === undefined) return null;
    const s = settings(ctx);
    if (s === null) return null;
    const { cfg, counters } = s;
    const windowMs = cfg.windowSeconds * 1000;
    const unavailable: Verdict = {
      kind: 'refuse',
      refusal: refuse('ratelimit.unavailable', 'login is unavailable; retry later', { 'retry-after': '1' }),
    };
    return {
      name: 'bruteforce-login',
      mode: ctx.mode,
      run: async function loginAttempt(rc: RequestContext): Promise<Verdict> {
        const body = await readBody(rc, MAX_LOGIN_BODY);
        if (body === null) return { kind: 'refuse', refusal: refuse('request.body.too_large') };
        const username = loginUsername(body, rc.req.headers['content-type'], field);
        // An exempt IP is never counted per IP; its attempts still count per username.
        const ipKey = counters.exempt(rc.clientIp) ? undefined : `bf:ip:${rc.clientIp}`;
        const userKey = username === undefined ? undefined : `bf:u:${hashed(username)}`;
        const [ipCount, userCount] = await Promise.all([
          ipKey === undefined ? 0 : guarded(counters, (st) => st.incr(ipKey, windowMs)),
          userKey === undefined ? 0 : guarded(counters, (st) => st.incr(userKey, windowMs)),
        ]);
        if (ipCount === undefined || userCount === undefined) return unavailable;
        if (ipCount > cfg.maxFailuresPerIp) {
          await counters.state
            .setMember('block', ipLockMember(rc.clientIp), cfg.lockoutSeconds * 1000)
            .catch(() => {});
          return locked(cfg.lockoutSeconds);
        }
        if (userCount > cfg.maxFailures) return locked(cfg.windowSeconds);
        addResponseHook(rc, (status) => {
          if (isFailure(status)) return;
          const success = isSuccess(status);
          void guarded(counters, async (st) => {
            if (ipKey !== undefined) await st.incr(ipKey, windowMs, -1);
            if (userKey !== undefined) await (success ? st.del(userKey) : st.incr(userKey, windowMs, -1));
          }).catch(() => {});
        });
        const wait = attemptDelay((userKey === undefined ? ipCount : userCount) - 1, cfg);
        if (wait > 0) await sleep(wait);
        return CONTINUE;
      },
    };
  },
};
