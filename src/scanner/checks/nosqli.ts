/** Injection (CWE-943): NoSQL query operators in JSON bodies and query parameters change the answer, twice. */
import type { Check } from '../context.ts';
import type { CheckMeta } from '../types.ts';
import { actor, injectionPoints, ok, onGraphqlPath, perOperation, withValue } from './util.ts';

const meta: CheckMeta = {
  id: 'nosqli',
  title: 'NoSQL operator injection',
  category: 'API8',
  cwe: 943,
  severity: 'critical',
  severityReason:
    "Remote: operators like $ne bypass login checks and filters, exposing or changing other users' data.",
  description:
    'Replacing a value with a query operator ({"$ne": …}, {"$gt": ""}, param[$ne]=) turns a refusal into a 2xx answer, with two different operators.',
  remediation:
    'Accept only scalar types where scalars are expected; the Rampart gateway `validate` policy enforces parameter and body types from the schema and the `inspect` policy (nosqli detector) refuses operator keys (400 inject.nosqli).',
};

/** For each body property and query parameter: a wrong value must be refused, and operators must be too. */
export const nosqliCheck: Check = {
  meta,
  order: 50,
  units: (plan) =>
    perOperation(
      plan,
      // GraphQL variables are typed: a String argument cannot carry an operator object.
      (op) => !onGraphqlPath(plan, op) && injectionPoints(op).some((p) => p.in !== 'path'),
      () => '$ne / $gt operators',
      { neverDelete: true },
    ),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null) return;
    const id = actor(ctx, op);
    for (const p of injectionPoints(op)) {
      if (p.in === 'path') continue;
      const wrongReq = withValue(ctx, op, id, p, 'rampart-no-such-value-9f2c');
      if (wrongReq === undefined) continue;
      const wrong = await ctx.send(wrongReq);
      // Only a refusal of the wrong value can be bypassed; an API that answers anything proves nothing.
      if (wrong.response === null || ok(wrong)) continue;
      // Nor can a parameter whose absence is accepted: `name[$ne]=` may simply be ignored.
      const without =
        p.in === 'query' ? ctx.build(op, { identity: id }) : withValue(ctx, op, id, p, undefined);
      if (without === undefined || ok(await ctx.send(without))) continue;
      const ops =
        p.in === 'body' ? [{ $ne: 'rampart-no-such-value-9f2c' }, { $gt: '' }] : [undefined, undefined];
      const hits = [];
      for (const [i, operator] of ops.entries()) {
        const req =
          p.in === 'body'
            ? withValue(ctx, op, id, p, operator)
            : ctx.build(op, {
                identity: id,
                query: {
                  [`${p.name}[${i === 0 ? '$ne' : '$gt'}]`]: i === 0 ? 'rampart-no-such-value-9f2c' : '',
                },
              });
        if (req === undefined) break;
        const ex = await ctx.send(req);
        if (!ok(ex)) break;
        hits.push(ex);
      }
      if (hits.length < 2) continue;
      ctx.report(meta, {
        op,
        key: p.name,
        message: `'${p.name}' of ${op.method.toUpperCase()} ${op.path}: a wrong value is refused (${wrong.response.status}) but two query operators are accepted.`,
        evidence: [
          ...hits.map((h) => ctx.evidence(h, 'operator accepted')),
          ctx.evidence(wrong, 'the wrong scalar value, refused'),
        ],
      });
    }
  },
};
