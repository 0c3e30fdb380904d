/** API3: responses carry properties the schema does not declare (excessive data exposure). */
import type { Check } from '../context.ts';
import { jsonResponseSchema } from '../ops.ts';
import type { CheckMeta } from '../types.ts';
import { undeclaredProperties } from './response-walk.ts';
import { actor, ok, parseJson, perOperation } from './util.ts';

const meta: CheckMeta = {
  id: 'undeclared-properties',
  title: 'Responses expose properties not in the schema',
  category: 'API3',
  cwe: 213,
  severity: 'medium',
  severityReason:
    'Any caller of the operation receives fields the contract says are private; impact depends on the fields (see sensitive-data).',
  description:
    'A 2xx JSON response contains properties that its documented response schema does not declare.',
  remediation:
    'Serialize explicit response shapes; the Rampart gateway `response` policy (schema allowlist) removes every property the OpenAPI response schema does not declare.',
};

/** Compares each operation's normal response with its documented schema. */
export const undeclaredPropertiesCheck: Check = {
  meta,
  order: 20,
  units: (plan) =>
    perOperation(
      plan,
      (op) => op.method === 'get' || op.method === 'post',
      () => 'response properties vs schema',
    ),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null || op === ctx.loginOperation) return;
    const ex = await ctx.baseline(op, actor(ctx, op));
    if (!ok(ex)) return;
    const schema = jsonResponseSchema(op, ex.response.status);
    const value = parseJson(ex.response.body);
    if (schema === undefined || value === undefined) return;
    const extra = undeclaredProperties(value, schema);
    if (extra.length === 0) return;
    ctx.report(meta, {
      op,
      message: `${op.method.toUpperCase()} ${op.path} returns undeclared properties: ${extra.slice(0, 12).join(', ')}.`,
      evidence: [ctx.evidence(ex)],
    });
  },
};
