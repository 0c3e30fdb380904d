/** API5: administrative operations called by a low-privileged identity. */

import type { Operation } from '../../openapi/operations.ts';
import type { Check, Identity, ScanContext } from '../context.ts';
import { pathParamNames } from '../ops.ts';
import type { CheckMeta } from '../types.ts';
import { ok, perOperation } from './util.ts';

const meta: CheckMeta = {
  id: 'bfla',
  title: 'Broken function level authorization',
  category: 'API5',
  cwe: 285,
  severity: 'high',
  severityReason:
    'Any authenticated user calls administrative functions (delete users, change roles): full privilege escalation on that function.',
  description:
    'An operation tagged or named as administrative (or requiring a privileged role) succeeds for a low-privileged identity.',
  remediation:
    "Check the caller's role in every administrative handler; the Rampart gateway `authz` policy refuses operations tagged admin or with x-rampart.roles to callers without the role (403 authz.function).",
};

// Target someone else's object (never the attacker's own, never a privileged identity's), so the test cannot lock the scan out.
function targetValues(
  ctx: ScanContext,
  op: Operation,
  attacker: Identity,
): Record<string, string> | undefined {
  if (pathParamNames(op).length === 0) return {};
  for (const other of ctx.lowPrivileged) {
    if (other === attacker) continue;
    const v = ctx.ownedBy(op, other);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Calls each admin operation as each low-privileged identity. */
export const bflaCheck: Check = {
  meta,
  order: 80,
  units: (plan) =>
    perOperation(
      plan,
      (op) => plan.isAdmin(op),
      () => 'as a low-privileged identity',
    ),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null) return;
    for (const attacker of ctx.lowPrivileged) {
      const values = targetValues(ctx, op, attacker);
      if (values === undefined) continue;
      const req = ctx.build(op, { identity: attacker, path: values });
      if (req === undefined) continue;
      const ex = await ctx.send(req);
      if (ok(ex)) {
        ctx.report(meta, {
          op,
          message: `${attacker.name} (role ${attacker.role}) called the administrative ${op.method.toUpperCase()} ${op.path}: ${ex.response.status}.`,
          evidence: [ctx.evidence(ex)],
        });
        return;
      }
    }
  },
};
