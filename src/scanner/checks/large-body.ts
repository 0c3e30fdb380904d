/** API4: a request body of several MiB is accepted. */
import type { Check } from '../context.ts';
import { jsonRequestSchema } from '../ops.ts';
import type { CheckMeta } from '../types.ts';
import { exampleValue } from '../values.ts';
import { actor, ok, perOperation } from './util.ts';

const meta: CheckMeta = {
  id: 'large-body',
  title: 'Very large request body accepted',
  category: 'API4',
  cwe: 400,
  severity: 'medium',
  severityReason:
    'Any caller makes the server buffer and parse megabytes per request: memory and CPU exhaustion with little traffic.',
  description: 'A JSON body of largeBodyBytes (default 2 MiB) is answered with 2xx instead of 413.',
  remediation:
    'Cap body sizes per route; the Rampart gateway listener limits (limits.maxBodyBytes) and `validate` policy refuse oversized bodies with 413 before they reach the API.',
};

/** Sends the normal body padded to the configured size. */
export const largeBodyCheck: Check = {
  meta,
  order: 50,
  units: (plan) =>
    perOperation(
      plan,
      (op) => jsonRequestSchema(op) !== undefined,
      () => `body of ${plan.config.largeBodyBytes} bytes`,
      { neverDelete: true },
    ),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null) return;
    const identity = actor(ctx, op);
    const base = exampleValue(jsonRequestSchema(op));
    const loginBody =
      op === ctx.loginOperation ? ctx.identities.find((i) => i.loginBody)?.loginBody : undefined;
    const obj = { ...(loginBody ?? (typeof base === 'object' && base !== null ? base : {})) };
    const overhead = JSON.stringify(obj).length + 40;
    const padded = { ...obj, rampart_padding: 'x'.repeat(Math.max(0, ctx.config.largeBodyBytes - overhead)) };
    const req = ctx.build(op, { identity, body: JSON.stringify(padded) });
    if (req === undefined) return;
    const ex = await ctx.send(req);
    if (!ok(ex)) return;
    ctx.report(meta, {
      op,
      message: `${op.method.toUpperCase()} ${op.path} accepted a ${ctx.config.largeBodyBytes}-byte body (${ex.response.status}).`,
      evidence: [ctx.evidence(ex)],
    });
  },
};
