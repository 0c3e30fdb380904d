/** API2: the login tells a wrong password apart from an unknown user. */
import { randomBytes } from 'node:crypto';
import type { Check } from '../context.ts';
import type { CheckMeta } from '../types.ts';
import { loginFields } from './login-fields.ts';
import { signature } from './util.ts';

const meta: CheckMeta = {
  id: 'user-enumeration',
  title: 'Login reveals which usernames exist',
  category: 'API2',
  cwe: 204,
  severity: 'medium',
  severityReason:
    'Unauthenticated and remote: it turns credential stuffing and password spraying into targeted attacks on real accounts.',
  description:
    'A wrong password for an existing user and any password for an unknown user get different answers, the same way twice.',
  remediation:
    'Answer every failed login the same way (status, body, timing); the Rampart gateway `response` policy (errors: sanitize) rewrites upstream error bodies to one problem+json per status, and `bruteforce` limits attempts per username.',
};

/** Compares the answers for a known and an unknown username, twice. */
export const userEnumerationCheck: Check = {
  meta,
  order: 90,
  units: (plan) =>
    plan.loginOperation === undefined
      ? []
      : [{ op: plan.loginOperation, label: 'known vs unknown username', destructive: false }],
  async run(unit, ctx) {
    const op = unit.op;
    const identity =
      ctx.lowPrivileged.find((i) => i.loginBody !== undefined) ??
      ctx.identities.find((i) => i.loginBody !== undefined);
    if (op === null || identity?.loginBody === undefined) return;
    const fields = loginFields(op, identity.loginBody);
    if (fields === undefined) return;
    const known = String(identity.loginBody[fields.user]);
    const unknown = `rampart-nobody-${randomBytes(4).toString('hex')}`;
    const attempt = (user: string) => {
      const req = ctx.build(op, {
        identity: null,
        body: { ...identity.loginBody, [fields.user]: user, [fields.password]: 'rampart-Wrong-9x' },
      });
      return req === undefined ? undefined : ctx.send(req);
    };
    const a1 = await attempt(known);
    const b1 = await attempt(unknown);
    if (a1?.response == null || b1?.response == null) return;
    if (a1.response.status < 400 || b1.response.status < 400) return;
    const sa = signature(a1, [known]);
    const sb = signature(b1, [unknown]);
    if (sa === sb) return;
    const a2 = await attempt(known);
    const b2 = await attempt(unknown);
    if (signature(a2, [known]) !== sa || signature(b2, [unknown]) !== sb) return;
    ctx.report(meta, {
      op,
      message: `${op.method.toUpperCase()} ${op.path} answers a wrong password (${a1.response.status}) differently from an unknown user (${b1.response.status}), repeatably.`,
      evidence: [ctx.evidence(a1, 'existing user, wrong password'), ctx.evidence(b1, 'unknown user')],
    });
  },
};
