import type { AnomalyConfig } from '../../config/schema.ts';
import { LruMap } from './lru.ts';
import type { Detection, Detector, Observation } from './types.ts';

/** Distinct values seen in a fixed window; the set stops growing at `cap` (all a threshold needs). */
interface WindowSet {
  start: number;
  readonly values: Set<string>;
}

function addInWindow(w: WindowSet, value: string, now: number, windowMs: number, cap: number): number {
  if (now - w.start >= windowMs) {
    w.start = now;
    w.values.clear();
  }
  if (w.values.size < cap) w.values.add(value);
  return w.values.size;
}

/** A failed login: bad credentials, or refused because the username or IP is locked. */
function failedLogin(status: number, code: string | undefined): boolean {
  return status === 401 || status === 403 || code === 'auth.locked';
}

/**
 * Credential stuffing on login routes: many distinct usernames failing from one IP, or one username
 * failing from many IPs, in a window. Only failures count, so an office behind one NAT logging in
 * normally does not look like an attack. Usernames arrive as per-process pseudonyms
 * (`record.loginUser`, see login-capture.ts), never in clear.
 */
export function createCredentialStuffingDetector(
  cfg: AnomalyConfig['credentialStuffing'],
  maxSubjects: number,
): Detector {
  const windowMs = cfg.windowSeconds * 1000;
  const byIp = new LruMap<string, WindowSet>(maxSubjects);
  const byUser = new LruMap<string, WindowSet>(maxSubjects);
  const make = (now: number) => () => ({ start: now, values: new Set<string>() });
  return {
    name: 'credentialStuffing',
    observe(o: Observation): Detection | undefined {
      const { record, now } = o;
      const user = record.loginUser;
      if (user === undefined || !failedLogin(record.status, record.code)) return undefined;
      const ip = record.clientIp;
      const users = addInWindow(byIp.getOrCreate(ip, make(now)), user, now, windowMs, cfg.usernamesPerIp);
      const ips = addInWindow(byUser.getOrCreate(user, make(now)), ip, now, windowMs, cfg.ipsPerUsername);
      if (users >= cfg.usernamesPerIp) {
        return {
          detector: 'credentialStuffing',
          severity: 'high',
          subject: `ip:${ip}`,
          evidence: `${users} distinct usernames failed to log in from one IP in ${cfg.windowSeconds}s`,
          record,
        };
      }
      if (ips >= cfg.ipsPerUsername) {
        return {
          detector: 'credentialStuffing',
          severity: 'high',
          subject: `username:${user}`,
          evidence: `one username failed to log in from ${ips} IPs in ${cfg.windowSeconds}s`,
          record,
        };
      }
      return undefined;
    },
  };
}
