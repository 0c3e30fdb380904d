/** API5: methods the document does not declare on a user resource (GET → PATCH/PUT/DELETE) that the server still accepts. */
import type { Operation } from '../../openapi/operations.ts';
import type { Check, Identity, ScanContext } from '../context.ts';
import { isSecured, pathParamNames } from '../ops.ts';
import type { CheckMeta } from '../types.ts';
import { ok, perOperation } from './util.ts';

const meta: CheckMeta = {
  id: 'method-swap',
  title: 'Undeclared method accepted on a user resource',
  category: 'API5',
  cwe: 285,
  severity: 'high',
  severityReason:
    'Any authenticated user changes or deletes objects through a method the API never documented, so no authorization rule was written or reviewed for it.',
  description:
    'A low-privileged identity sent PATCH, PUT or DELETE to a resource whose path the document declares only for reading, and the server answered 2xx.',
  remediation:
    'Route only the declared methods and refuse the rest (405); the Rampart gateway routes by the OpenAPI document and refuses any undeclared method+path (404 route.undeclared), and its `authz` policy checks ownership on the declared ones.',
};

const SWAPS = ['PATCH', 'PUT', 'DELETE'] as const;

// The methods the document declares on this path template, upper case.
function declared(ctx: ScanContext, op: Operation): Set<string> {
  const out = new Set<string>();
  for (const o of ctx.operations) if (o.path === op.path) out.add(o.method.toUpperCase());
  return out;
}

function undeclaredSwaps(ops: readonly Operation[], op: Operation): string[] {
  const present = new Set(ops.filter((o) => o.path === op.path).map((o) => o.method.toUpperCase()));
  return SWAPS.filter((m) => !present.has(m));
}

// Someone else's object first (a 2xx there is also missing ownership), else the attacker's own.
function targetValues(
  ctx: ScanContext,
  op: Operation,
  attacker: Identity,
): { values: Record<string, string>; owner: string } | undefined {
  for (const other of ctx.lowPrivileged) {
    if (other === attacker) continue;
    const v = ctx.ownedBy(op, other);
    if (v !== undefined) return { values: v, owner: other.name };
  }
  const own = ctx.ownedBy(op, attacker);
  return own === undefined ? undefined : { values: own, owner: attacker.name };
}

/** On every secured GET of an object, tries the write methods the document does not declare. */
export const methodSwapCheck: Check = {
  meta,
  // Late: it may change or delete objects the other checks read.
  order: 88,
  units: (plan) =>
    perOperation(
      plan,
      (op) =>
        op.method === 'get' &&
        isSecured(op) &&
        pathParamNames(op).length > 0 &&
        undeclaredSwaps(plan.operations, op).length > 0,
      (op) => `undeclared ${undeclaredSwaps(plan.operations, op).join('/')} as a low-privileged identity`,
    ).map((u) => ({ ...u, destructive: true })),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null) return;
    const attacker = ctx.lowPrivileged[0];
    if (attacker === undefined) return;
    const target = targetValues(ctx, op, attacker);
    if (target === undefined) return;
    const present = declared(ctx, op);
    for (const method of SWAPS) {
      if (present.has(method)) continue;
      const req = ctx.build(op, {
        identity: attacker,
        path: target.values,
        method,
        ...(method === 'DELETE' ? {} : { body: {} }),
      });
      if (req === undefined) return;
      const ex = await ctx.send(req);
      if (!ok(ex)) continue;
      const whose = target.owner === attacker.name ? 'its own object' : `an object of ${target.owner}`;
      ctx.report(meta, {
        op,
        key: method.toLowerCase(),
        message: `${attacker.name} sent ${method} ${op.path} (${whose}); the document declares only ${[...present].join(', ')} on this path but the server answered ${ex.response.status}.`,
        evidence: [ctx.evidence(ex, `${method} is not declared for this path`)],
      });
    }
  },
};
