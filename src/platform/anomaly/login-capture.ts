/**
 * The one part of anomaly detection on the request path: on login routes (those marked
 * `x-rampart.login`, and those listed in `anomaly.credentialStuffing.routes`) it reads the username
 * the way the brute-force policy does and leaves a per-process pseudonym of it in
 * `ctx.facts.loginUser`, which the gateway copies into the access record. The username itself
 * never leaves this function: the pseudonym is an HMAC under a random key made at start.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { refuse } from '../../errors.ts';
import {
  CONTINUE,
  type PhaseEntry,
  type RequestContext,
  readBody,
  type Verdict,
} from '../../gateway/pipeline.ts';
import { loginUsername } from '../../policies/bruteforce.ts';
import type { PolicyCompileContext, PolicyFactory } from '../../policies/registry.ts';

/** The key of `ctx.facts` holding the login username's pseudonym. */
export const LOGIN_USER_FACT = 'loginUser';
/** Same cap as the brute-force policy: both read the same buffered body. */
const MAX_LOGIN_BODY = 65_536;

const PSEUDONYM_KEY = randomBytes(32);

/** The pseudonym of a username in this process: stable while it runs, meaningless outside it. */
export function usernamePseudonym(username: string): string {
  return createHmac('sha256', PSEUDONYM_KEY).update(username).digest('base64url').slice(0, 16);
}

/** The username field of this route when anomaly detection watches it as a login, else undefined. */
function loginField(ctx: PolicyCompileContext): string | undefined {
  const a = ctx.config.anomaly;
  if (a === undefined || !a.enabled || !a.credentialStuffing.enabled) return undefined;
  const op = ctx.operation?.operationId;
  for (const r of a.credentialStuffing.routes) {
    if (op !== undefined && (r.operation === op || r.operation === `${ctx.api.name}:${op}`))
      return r.usernameField;
  }
  return ctx.policy.login?.usernameField;
}

/** Registered before the brute-force login policy in the rateLimit phase, so locked-out attempts carry a username too. */
export const loginCapturePolicy: PolicyFactory = {
  name: 'anomaly-login',
  phase: 'rateLimit',
  compile(ctx: PolicyCompileContext): PhaseEntry | null {
    const field = loginField(ctx);
    if (field === undefined) return null;
    const tooLarge: Verdict = { kind: 'refuse', refusal: refuse('request.body.too_large') };
    return {
      name: 'anomaly-login',
      // never monitor: a body read past its cap cannot be forwarded, so that refusal always holds
      mode: 'enforce',
      run: async function captureLogin(rc: RequestContext): Promise<Verdict> {
        const body = await readBody(rc, MAX_LOGIN_BODY);
        if (body === null) return tooLarge;
        const user = loginUsername(body, rc.req.headers['content-type'], field);
        if (user !== undefined) rc.facts[LOGIN_USER_FACT] = usernamePseudonym(user);
        return CONTINUE;
      },
    };
  },
};
