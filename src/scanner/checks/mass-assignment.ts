/** API3: properties a client must not set (role, isAdmin, readOnly, undeclared ones) are accepted and stick. */
import type { Operation } from '../../openapi/operations.ts';
import type { Check } from '../context.ts';
import { jsonRequestSchema, jsonResponseSchema, pathParamNames } from '../ops.ts';
import type { CheckMeta } from '../types.ts';
import { exampleValue, objectProperties } from '../values.ts';
import { ok, parseJson, perOperation } from './util.ts';

const meta: CheckMeta = {
  id: 'mass-assignment',
  title: 'Mass assignment of privileged properties',
  category: 'API3',
  cwe: 915,
  severity: 'high',
  severityReason:
    'Any authenticated user sets properties like role or isAdmin on their own account: privilege escalation with one request.',
  description:
    'An update carrying role / isAdmin / readOnly / undeclared properties is accepted and the values are read back.',
  remediation:
    'Bind only declared fields; the Rampart gateway `validate` policy refuses request bodies with properties the OpenAPI schema does not declare (400 input.schema), with additionalProperties: false.',
};

const PRIVILEGED: Readonly<Record<string, unknown>> = {
  role: 'admin',
  roles: ['admin'],
  isAdmin: true,
  is_admin: true,
  admin: true,
  verified: true,
  email_verified: true,
  rampart_probe: 'rampart-mass-assignment',
};

const MAX_READ_ONLY = 10;

/**
 * Properties the document marks readOnly (in the update's schema or the read's answer), each with a
 * value of its type that differs from the current one; never `id` or a path parameter (the object
 * would move away from its owner).
 */
function readOnlyProbes(
  op: Operation,
  getOp: Operation,
  original: Record<string, unknown>,
): Record<string, unknown> {
  const props = {
    ...objectProperties(jsonResponseSchema(getOp, 200)),
    ...objectProperties(jsonRequestSchema(op)),
  };
  const skip = new Set(['id', ...pathParamNames(op)]);
  const out: Record<string, unknown> = {};
  for (const [k, schema] of Object.entries(props)) {
    if (schema.readOnly !== true || skip.has(k) || Object.keys(out).length >= MAX_READ_ONLY) continue;
    const was = original[k];
    if (typeof was === 'number' && Number.isFinite(was)) out[k] = was + 1000;
    else if (typeof was === 'boolean') out[k] = !was;
    else if (typeof was === 'string')
      out[k] = schema.format === 'date-time' ? '2001-02-03T04:05:06Z' : 'rampart-read-only';
  }
  return out;
}

/** Sends the normal update plus privileged and readOnly properties on the identity's own object, then reads it back. */
export const massAssignmentCheck: Check = {
  meta,
  order: 70,
  units: (plan) =>
    perOperation(
      plan,
      (op) =>
        (op.method === 'patch' || op.method === 'put') &&
        jsonRequestSchema(op) !== undefined &&
        plan.operations.some((o) => o.method === 'get' && o.path === op.path),
      () => 'role/isAdmin/readOnly/undeclared properties, read back',
    ),
  async run(unit, ctx) {
    const op = unit.op;
    const getOp = ctx.operations.find((o) => o.method === 'get' && o.path === unit.op?.path);
    const identity = ctx.lowPrivileged[0];
    if (op === null || getOp === undefined || identity === undefined) return;
    const values = pathParamNames(op).length > 0 ? ctx.ownedBy(op, identity) : {};
    if (values === undefined) return;
    const readReq = ctx.build(getOp, { identity, path: values });
    if (readReq === undefined) return;
    const before = await ctx.send(readReq);
    if (!ok(before)) return;
    const original = parseJson(before.response.body);
    if (typeof original !== 'object' || original === null) return;
    const declared = objectProperties(jsonRequestSchema(op));
    const inject: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(PRIVILEGED)) if (declared[k] === undefined) inject[k] = v;
    for (const [k, v] of Object.entries(readOnlyProbes(op, getOp, original as Record<string, unknown>)))
      inject[k] ??= v;
    const base = exampleValue(jsonRequestSchema(op));
    const body = { ...(typeof base === 'object' && base !== null ? base : {}), ...inject };
    const write = ctx.build(op, { identity, path: values, body });
    if (write === undefined) return;
    const wrote = await ctx.send(write);
    if (!ok(wrote)) return;
    const after = await ctx.send(readReq);
    const value = parseJson(after.response?.body ?? '');
    if (typeof value !== 'object' || value === null) return;
    const stuck = Object.keys(inject).filter((k) => {
      const now = (value as Record<string, unknown>)[k];
      const was = (original as Record<string, unknown>)[k];
      return (
        now !== undefined &&
        JSON.stringify(now) === JSON.stringify(inject[k]) &&
        JSON.stringify(was) !== JSON.stringify(now)
      );
    });
    // Put the account back as it was, whatever was found.
    const restore: Record<string, unknown> = {};
    for (const k of [...stuck, ...Object.keys(typeof base === 'object' && base !== null ? base : {})]) {
      if (k in original) restore[k] = (original as Record<string, unknown>)[k];
    }
    if (Object.keys(restore).length > 0) {
      const undo = ctx.build(op, { identity, path: values, body: restore });
      if (undo !== undefined) await ctx.send(undo);
    }
    if (stuck.length === 0) return;
    ctx.report(meta, {
      op,
      message: `${op.method.toUpperCase()} ${op.path} accepted ${stuck.map((k) => `${k}=${JSON.stringify(inject[k])}`).join(', ')} for ${identity.name} and the read-back shows ${stuck.length === 1 ? 'it' : 'them'}.`,
      evidence: [
        ctx.evidence(wrote, 'the update with privileged properties'),
        ctx.evidence(after, 'the read-back'),
      ],
    });
  },
};
