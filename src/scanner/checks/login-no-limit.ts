/** API2: repeated wrong passwords for one account are never slowed down or locked (bounded test). */
import type { Check } from '../context.ts';
import type { Exchange } from '../http.ts';
import type { CheckMeta } from '../types.ts';
import { loginFields } from './login-fields.ts';

const meta: CheckMeta = {
  id: 'login-no-limit',
  title: 'Login has no attempt limit',
  category: 'API2',
  cwe: 307,
  severity: 'high',
  severityReason: "Unauthenticated and remote: passwords are guessed or stuffed at the server's full speed.",
  description: 'A bounded series of wrong passwords for one account gets no 429, no lockout and no slowdown.',
  remediation:
    'Limit failed logins per username and per client; the Rampart gateway `bruteforce` policy (x-rampart.login.usernameField) answers 429 after the configured failures.',
};

const LIMITED = /too many|locked|rate.?limit|try again later|throttl/i;

/** Sends `loginAttempts` wrong passwords for the first identity's username; stops at the first sign of a limit. */
export const loginNoLimitCheck: Check = {
  meta,
  order: 95,
  units: (plan) =>
    plan.loginOperation === undefined
      ? []
      : [
          {
            op: plan.loginOperation,
            label: `up to ${plan.config.loginAttempts} wrong passwords, stops at the first 429`,
            destructive: false,
          },
        ],
  async run(unit, ctx) {
    const op = unit.op;
    const identity =
      ctx.lowPrivileged.find((i) => i.loginBody !== undefined) ??
      ctx.identities.find((i) => i.loginBody !== undefined);
    if (op === null || identity?.loginBody === undefined) return;
    const fields = loginFields(op, identity.loginBody);
    if (fields === undefined) return;
    let failures = 0;
    let first: Exchange | undefined;
    let last: Exchange | undefined;
    for (let i = 0; i < ctx.config.loginAttempts; i++) {
      const req = ctx.build(op, {
        identity: null,
        body: { ...identity.loginBody, [fields.password]: `rampart-wrong-${i}` },
      });
      if (req === undefined) return;
      const ex = await ctx.send(req);
      const res = ex.response;
      if (res === null) continue;
      if (
        res.status === 429 ||
        res.status === 423 ||
        res.status === 503 ||
        LIMITED.test(res.body.slice(0, 4096))
      )
        return;
      if (res.status === 401 || res.status === 403 || res.status === 400) failures++;
      first ??= ex;
      last = ex;
    }
    if (last === undefined || first === undefined || failures < ctx.config.loginAttempts) return;
    // A slowdown is a limit too: the last attempt must not be much slower than the first.
    if ((last.response?.elapsedMs ?? 0) > (first.response?.elapsedMs ?? 0) * 4 + 1000) return;
    ctx.report(meta, {
      op,
      message: `${failures} wrong passwords in a row for one account were all answered ${last.response?.status}, with no 429, lockout or slowdown.`,
      evidence: [
        ctx.evidence(first, 'first wrong password'),
        ctx.evidence(last, `attempt ${ctx.config.loginAttempts}`),
      ],
    });
  },
};
