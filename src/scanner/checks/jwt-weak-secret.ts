/** API2: an HS256 token signed with a guessable secret: cracked offline, then a forged token is accepted. */
import type { Check } from '../context.ts';
import { crackHmac, maskSecret, signHs } from '../jwt.ts';
import { isSecured } from '../ops.ts';
import type { CheckMeta } from '../types.ts';
import { WEAK_JWT_SECRETS } from '../wordlist.ts';
import { ok } from './util.ts';

const meta: CheckMeta = {
  id: 'jwt-weak-secret',
  title: 'JWT signed with a weak HMAC secret',
  category: 'API2',
  cwe: 521,
  severity: 'critical',
  severityReason:
    'Remote: one token from any account is cracked offline in milliseconds, then tokens for any user or role are forged.',
  description: `The HMAC secret of a received token is in a list of ${WEAK_JWT_SECRETS.length} common secrets, and a token forged with it is accepted.`,
  remediation:
    'Use a random secret of at least 256 bits from a secret store (or asymmetric keys); the Rampart gateway `authn` policy (auth.jwt) refuses secrets shorter than 32 bytes at load and verifies tokens itself.',
};

/** Cracks each identity's HS* token offline and proves the secret by a forged request. */
export const jwtWeakSecretCheck: Check = {
  meta,
  order: 30,
  units: () => [{ op: null, label: 'offline wordlist against received HS* tokens', destructive: false }],
  async run(_unit, ctx) {
    const identity = ctx.identities.find((i) => i.jwt !== undefined && /^HS/.test(String(i.jwt.header.alg)));
    if (identity?.jwt === undefined) return;
    const secret = crackHmac(identity.jwt);
    if (secret === undefined) return;
    ctx.secret(secret);
    const op = ctx.operations.find(
      (o) => o.method === 'get' && isSecured(o) && ctx.build(o, { identity }) !== undefined,
    );
    if (op === undefined) return;
    const now = Math.floor(Date.now() / 1000);
    const forged = signHs(
      { ...identity.jwt.header },
      { ...identity.jwt.payload, iat: now, exp: now + 600, jti: 'rampart-scan-forged' },
      secret,
    );
    ctx.secret(forged);
    const req = ctx.build(op, { identity, headers: { authorization: `Bearer ${forged}` } });
    if (req === undefined) return;
    const ex = await ctx.send(req);
    if (!ok(ex)) return;
    ctx.report(meta, {
      op: null,
      message: `The ${String(identity.jwt.header.alg)} secret of ${identity.name}'s token is '${maskSecret(secret)}' (${secret.length} characters, in the bundled wordlist); a token forged with it was accepted by ${op.method.toUpperCase()} ${op.path}.`,
      evidence: [ctx.evidence(ex, 'request with a token forged with the cracked secret')],
    });
  },
};
