/** API2: tokens that should be refused are accepted: alg none, no signature, tampered claims, expired, key confusion. */
import type { Check, Identity } from '../context.ts';
import { algNone, crackHmac, signHs, stripSignature, tamperClaims } from '../jwt.ts';
import { isSecured } from '../ops.ts';
import type { CheckMeta } from '../types.ts';
import { ok, perOperation } from './util.ts';

const meta: CheckMeta = {
  id: 'jwt-validation',
  title: 'Forged or expired tokens are accepted',
  category: 'API2',
  cwe: 347,
  severity: 'critical',
  severityReason:
    'Remote, needs only one valid token (or none): anyone can mint tokens for any user or role.',
  description:
    'A token with alg none, an empty signature, claims changed under the original signature, or an expired exp is accepted by a secured operation.',
  remediation:
    'Verify signatures with a fixed algorithm allowlist and check exp; the Rampart gateway `authn` policy (auth.jwt issuers[].algorithms, clock tolerance) refuses them (401 auth.jwt.*).',
};

function jwtIdentity(ids: readonly Identity[]): Identity | undefined {
  return ids.find((i) => i.jwt !== undefined && !i.privileged) ?? ids.find((i) => i.jwt !== undefined);
}

/** Sends each forged variant of a received token to secured read operations. */
export const jwtValidationCheck: Check = {
  meta,
  order: 30,
  units: (plan) =>
    perOperation(
      plan,
      (op) => isSecured(op) && op.method === 'get',
      () => 'alg none, no signature, tampered, expired',
    ),
  async run(unit, ctx) {
    const op = unit.op;
    const identity = jwtIdentity(ctx.identities);
    if (op === null || identity?.jwt === undefined) return;
    const base = await ctx.baseline(op, identity);
    if (!ok(base)) return;
    const jwt = identity.jwt;
    const variants: [string, string][] = [
      ['alg-none', algNone(jwt)],
      ['no-signature', stripSignature(jwt)],
      ['tampered-claims', tamperClaims(jwt)],
    ];
    const secret = crackHmac(jwt);
    if (secret !== undefined) {
      const now = Math.floor(Date.now() / 1000);
      const expired = signHs({ ...jwt.header }, { ...jwt.payload, iat: now - 7200, exp: now - 3600 }, secret);
      ctx.secret(expired);
      variants.push(['expired', expired]);
    }
    for (const [name, token] of variants) {
      const req = ctx.build(op, { identity, headers: { authorization: `Bearer ${token}` } });
      if (req === undefined) return;
      const ex = await ctx.send(req);
      if (ok(ex)) {
        ctx.report(meta, {
          op,
          key: name,
          message: `${op.method.toUpperCase()} ${op.path} accepted a token with ${name.replace('-', ' ')} (${ex.response?.status}).`,
          evidence: [ctx.evidence(ex, `token variant: ${name}`)],
        });
      }
    }
  },
};
