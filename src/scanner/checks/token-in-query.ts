/** API2: bearer tokens accepted in the query string end up in logs, proxies and browser history. */
import type { Check, Identity } from '../context.ts';
import { isSecured } from '../ops.ts';
import type { CheckMeta } from '../types.ts';
import { ok, perOperation } from './util.ts';

const meta: CheckMeta = {
  id: 'token-in-query',
  title: 'Bearer token accepted in the query string',
  category: 'API2',
  cwe: 598,
  severity: 'medium',
  severityReason:
    'Tokens in URLs leak to access logs, proxies, Referer headers and history; reuse needs access to those.',
  description:
    'A secured operation accepts the token as access_token (or token) in the URL, with no Authorization header.',
  remediation:
    'Read tokens from the Authorization header only; the Rampart gateway `authn` policy takes bearer tokens from the header and refuses requests without it.',
};

/** Moves the token from the header into ?access_token= and ?token=. */
export const tokenInQueryCheck: Check = {
  meta,
  order: 30,
  units: (plan) =>
    perOperation(
      plan,
      (op) => isSecured(op) && op.method === 'get',
      () => '?access_token= / ?token=',
    ),
  async run(unit, ctx) {
    const op = unit.op;
    const identity: Identity | undefined = ctx.lowPrivileged.find((i) => i.token !== undefined);
    if (op === null || identity?.token === undefined) return;
    // Only a proof if the operation refuses a request with no credentials at all.
    const bare = ctx.build(op, { identity, withoutCredentials: true });
    if (bare === undefined || ok(await ctx.send(bare))) return;
    for (const name of ['access_token', 'token']) {
      const req = ctx.build(op, { identity, withoutCredentials: true, query: { [name]: identity.token } });
      if (req === undefined) return;
      const ex = await ctx.send(req);
      if (ok(ex)) {
        ctx.report(meta, {
          op,
          message: `${op.method.toUpperCase()} ${op.path} accepted the token as ?${name}= without an Authorization header.`,
          evidence: [ctx.evidence(ex)],
        });
        return;
      }
    }
  },
};
