/** API1: objects of identity A read, changed or deleted by identity B; sequential ids walked. */
import type { Operation } from '../../openapi/operations.ts';
import type { Check, Identity, ScanContext } from '../context.ts';
import type { Exchange } from '../http.ts';
import { jsonRequestSchema, pathParamNames } from '../ops.ts';
import type { CheckMeta } from '../types.ts';
import { isDestructiveMethod } from '../types.ts';
import { exampleValue } from '../values.ts';
import { ok, parseJson, perOperation } from './util.ts';

const meta: CheckMeta = {
  id: 'bola',
  title: 'Broken object level authorization',
  category: 'API1',
  cwe: 639,
  severity: 'high',
  severityReason:
    "Any authenticated user, trivially (change an id): reads or changes other users' objects at scale.",
  description:
    'An object owned by one identity is read, changed or deleted by another identity with the same role, or found by walking sequential ids.',
  remediation:
    'Check ownership on every object access; the Rampart gateway `authz` policy enforces ownership rules per route (routes.<operationId>.ownership: { param, claim } or { responseField, claim }) and answers 404 authz.bola.',
};

function containsValue(ex: Exchange, value: string): boolean {
  const body = ex.response?.body ?? '';
  return body.includes(`"${value}"`) || body.includes(`:${value},`) || body.includes(`:${value}}`);
}

async function tryAccess(
  ctx: ScanContext,
  op: Operation,
  victim: Identity,
  attacker: Identity,
  values: Record<string, string>,
): Promise<boolean> {
  const action = op.method === 'get' ? 'read' : op.method === 'delete' ? 'deleted' : 'changed';
  const own = ctx.build(op, { identity: victim, path: values });
  if (own === undefined) return false;
  // The owner's own access must work first, or a refusal to the attacker proves nothing.
  const getOp = ctx.operations.find((o) => o.method === 'get' && o.path === op.path);
  const ownerRead =
    op.method === 'get'
      ? await ctx.send(own)
      : getOp !== undefined
        ? await ctx.send(ctx.build(getOp, { identity: victim, path: values }) ?? own)
        : undefined;
  if (ownerRead !== undefined && !ok(ownerRead)) return false;
  let body: unknown;
  if (op.method !== 'get' && op.method !== 'delete') {
    // A harmless change: the fields the document lets a client send, with example values.
    const schema = jsonRequestSchema(op);
    body = schema !== undefined ? exampleValue(schema) : undefined;
  }
  const req = ctx.build(op, { identity: attacker, path: values, ...(body !== undefined ? { body } : {}) });
  if (req === undefined) return false;
  const ex = await ctx.send(req);
  if (!ok(ex)) return false;
  const idValue = values[pathParamNames(op).at(-1) ?? ''] ?? '';
  if (
    op.method === 'get' &&
    !containsValue(ex, idValue) &&
    ownerRead !== undefined &&
    ex.response.body !== ownerRead.response?.body
  )
    return false;
  const evidence = [
    ctx.evidence(ex, `${attacker.name} (${attacker.role}) ${action} ${victim.name}'s object`),
  ];
  if (ownerRead !== undefined)
    evidence.push(ctx.evidence(ownerRead, `${victim.name} reading the same object`));
  ctx.report(meta, {
    op,
    key: action,
    message: `${attacker.name} ${action} ${victim.name}'s object via ${op.method.toUpperCase()} ${op.path.replace(/\{[^}]*\}$/, idValue)} (${ex.response.status}).`,
    evidence,
  });
  // Undo a change when the owner can: write back what the owner read before.
  if (
    op.method !== 'get' &&
    op.method !== 'delete' &&
    ownerRead?.response !== null &&
    ownerRead !== undefined &&
    body !== undefined
  ) {
    const before = parseJson(ownerRead.response?.body ?? '');
    if (typeof before === 'object' && before !== null && typeof body === 'object' && body !== null) {
      const restore: Record<string, unknown> = {};
      for (const k of Object.keys(body)) if (k in before) restore[k] = (before as Record<string, unknown>)[k];
      const undo = ctx.build(op, { identity: victim, path: values, body: restore });
      if (undo !== undefined) await ctx.send(undo);
    }
  }
  return true;
}

/** Sequential integer ids next to the attacker's own: one that answers 2xx and is not the attacker's is someone else's. */
async function walkIds(ctx: ScanContext, op: Operation, attacker: Identity): Promise<void> {
  const name = pathParamNames(op).at(-1);
  const mine = attacker.owned.get(op.path) ?? [];
  if (name === undefined || mine.length === 0 || !mine.every((v) => /^\d{1,15}$/.test(v))) return;
  const nums = mine.map(Number);
  const candidates = [Math.max(...nums) + 1, Math.max(...nums) + 2, Math.min(...nums) - 1].filter(
    (n) => n > 0 && !nums.includes(n),
  );
  for (const n of candidates) {
    const req = ctx.build(op, { identity: attacker, path: { [name]: String(n) } });
    if (req === undefined) return;
    const ex = await ctx.send(req);
    if (ok(ex)) {
      ctx.report(meta, {
        op,
        key: 'sequential',
        message: `${attacker.name} read ${op.path.replace(/\{[^}]*\}$/, String(n))}, an id next to its own (${mine.slice(0, 3).join(', ')}) that it does not own.`,
        evidence: [ctx.evidence(ex, 'a guessed sequential id')],
      });
      return;
    }
  }
}

/** For each object operation: the victim's object as every other low-privileged identity. */
export const bolaCheck: Check = {
  meta,
  order: 40,
  units: (plan) =>
    perOperation(
      plan,
      (op) => pathParamNames(op).length > 0 && !plan.isAdmin(op),
      (op) =>
        op.method === 'get'
          ? "read another identity's object; sequential ids"
          : `${op.method.toUpperCase()} another identity's object`,
    ),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null) return;
    const people = ctx.lowPrivileged;
    for (const victim of people) {
      const values = ctx.ownedBy(op, victim);
      if (values === undefined) continue;
      for (const attacker of people) {
        if (attacker === victim) continue;
        const attackerOwn = ctx.ownedBy(op, attacker);
        // The same object for both (a shared seed) is no ownership test.
        if (attackerOwn !== undefined && JSON.stringify(attackerOwn) === JSON.stringify(values)) continue;
        if (await tryAccess(ctx, op, victim, attacker, values)) return;
        if (isDestructiveMethod(op.method)) return;
      }
    }
    if (op.method === 'get' && people[0] !== undefined) await walkIds(ctx, op, people[0]);
  },
};
