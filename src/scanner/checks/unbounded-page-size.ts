/** API4: a page-size parameter far above its documented maximum is accepted. */

import type { Parameter } from '../../openapi/operations.ts';
import type { Check } from '../context.ts';
import type { CheckMeta } from '../types.ts';
import { actor, ok, perOperation } from './util.ts';

const meta: CheckMeta = {
  id: 'unbounded-page-size',
  title: 'Page size above the documented maximum accepted',
  category: 'API4',
  cwe: 770,
  severity: 'medium',
  severityReason:
    'Any caller makes the server read and serialize huge pages: cheap denial of service and bulk data extraction.',
  description:
    'A limit / page size parameter set to ten times its documented maximum (or 10,000 when none is documented) is answered with 2xx.',
  remediation:
    'Enforce the documented bounds; the Rampart gateway `validate` policy checks query parameters against their OpenAPI schema (minimum/maximum) and refuses others (400 input.schema).',
};

const PAGE_NAME = /^(limit|page_?size|pagesize|per_?page|size|count|top|max|max_?results|first|take)$/i;

function pageParam(params: readonly Parameter[]): Parameter | undefined {
  return params.find((p) => p.in === 'query' && PAGE_NAME.test(p.name));
}

/** Sends the page-size parameter at ten times its maximum. */
export const unboundedPageSizeCheck: Check = {
  meta,
  order: 20,
  units: (plan) =>
    perOperation(
      plan,
      (op) => op.method === 'get' && pageParam(op.parameters) !== undefined,
      (op) => `${pageParam(op.parameters)?.name} far above its maximum`,
    ),
  async run(unit, ctx) {
    const op = unit.op;
    const param = op === null ? undefined : pageParam(op.parameters);
    if (op === null || param === undefined) return;
    const max = typeof param.schema?.maximum === 'number' ? param.schema.maximum : undefined;
    const value = max !== undefined ? Math.max(max * 10, max + 1000) : 10_000;
    const req = ctx.build(op, { identity: actor(ctx, op), query: { [param.name]: String(value) } });
    if (req === undefined) return;
    const ex = await ctx.send(req);
    if (!ok(ex)) return;
    ctx.report(meta, {
      op,
      message: `${op.method.toUpperCase()} ${op.path} accepted ${param.name}=${value}${max !== undefined ? ` (documented maximum ${max})` : ' (no maximum documented)'}.`,
      evidence: [ctx.evidence(ex)],
    });
  },
};
