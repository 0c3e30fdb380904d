/** API2: secured operations that answer without credentials or with a malformed token. */
import type { Check } from '../context.ts';
import { isSecured } from '../ops.ts';
import type { CheckMeta } from '../types.ts';
import { actor, ok, perOperation, signature } from './util.ts';

const meta: CheckMeta = {
  id: 'auth-missing',
  title: 'Secured operation answers without valid credentials',
  category: 'API2',
  cwe: 306,
  severity: 'critical',
  severityReason: 'Remote, unauthenticated, no skill needed: the operation and its data are open to anyone.',
  description:
    'An operation the document marks as secured returns the same 2xx response with no credentials, or with a malformed token.',
  remediation:
    'Enforce authentication on every declared operation; the Rampart gateway `authn` policy (auth.jwt / auth.apiKeys) refuses requests without valid credentials (401 auth.*).',
};

/** Replays each secured operation's normal request without credentials and with a garbage token. */
export const authMissingCheck: Check = {
  meta,
  order: 30,
  units: (plan) =>
    perOperation(plan, isSecured, () => 'no credentials; malformed token', { neverDelete: true }),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null) return;
    const identity = actor(ctx, op);
    if (identity === null) return;
    const base = await ctx.baseline(op, identity);
    if (!ok(base)) return;
    const variants: [string, Record<string, string>][] = [
      ['no credentials', {}],
      ['malformed token', { authorization: 'Bearer rampart.invalid.token' }],
    ];
    for (const [name, headers] of variants) {
      const req = ctx.build(op, { identity, withoutCredentials: true, headers });
      if (req === undefined) return;
      const ex = await ctx.send(req);
      if (ok(ex) && signature(ex) === signature(base)) {
        ctx.report(meta, {
          op,
          key: name.replace(' ', '-'),
          message: `${op.method.toUpperCase()} ${op.path} answered ${ex.response?.status} with ${name}, the same as with valid credentials.`,
          evidence: [ctx.evidence(ex, name), ctx.evidence(base, 'the same request with valid credentials')],
        });
      }
    }
  },
};
