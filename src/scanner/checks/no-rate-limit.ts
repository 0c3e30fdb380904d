/** API4: a bounded burst gets no 429 and no sign of counting (RateLimit-Remaining never goes down). */
import type { Check } from '../context.ts';
import type { Exchange } from '../http.ts';
import { isSecured, pathParamNames } from '../ops.ts';
import type { CheckMeta } from '../types.ts';
import { actor } from './util.ts';

const meta: CheckMeta = {
  id: 'no-rate-limit',
  title: 'No rate limiting',
  category: 'API4',
  cwe: 770,
  severity: 'medium',
  severityReason:
    'Any caller can send unbounded traffic: scraping, enumeration and denial of service are not slowed down.',
  description:
    'A bounded burst of identical requests is answered without a 429 and without rate-limit headers counting down.',
  remediation:
    'Limit per consumer and per IP; the Rampart gateway `ratelimit` policy (rateLimits: per consumer / key / IP / route) answers 429 with RateLimit-* and Retry-After headers.',
};

function remaining(ex: Exchange): number | undefined {
  const h = ex.response?.headers;
  const v = h?.['ratelimit-remaining'] ?? h?.['x-ratelimit-remaining'] ?? h?.['x-rate-limit-remaining'];
  const n = v === undefined ? Number.NaN : Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : undefined;
}

/** Sends up to `rateLimitBurst` requests to one cheap read, stopping at the first 429. */
export const noRateLimitCheck: Check = {
  meta,
  order: 60,
  units: (plan) => [
    {
      op: null,
      label: `burst of up to ${plan.config.rateLimitBurst} requests, stops at the first 429`,
      destructive: false,
    },
  ],
  async run(_unit, ctx) {
    const op =
      ctx.operations.find((o) => o.method === 'get' && isSecured(o) && pathParamNames(o).length === 0) ??
      ctx.operations.find((o) => o.method === 'get' && pathParamNames(o).length === 0);
    if (op === undefined) return;
    const req = ctx.build(op, { identity: actor(ctx, op) });
    if (req === undefined) return;
    let first: Exchange | undefined;
    let last: Exchange | undefined;
    let answered = 0;
    for (let i = 0; i < ctx.config.rateLimitBurst; i++) {
      const ex = await ctx.send(req);
      if (ex.response === null) continue;
      if (ex.response.status === 429 || ex.response.status === 503) return;
      const left = remaining(ex);
      if (
        first !== undefined &&
        left !== undefined &&
        remaining(first) !== undefined &&
        left < (remaining(first) as number)
      )
        return;
      first ??= ex;
      last = ex;
      answered++;
    }
    if (last === undefined || answered < ctx.config.rateLimitBurst / 2) return;
    ctx.report(meta, {
      op,
      message: `${answered} requests to ${op.method.toUpperCase()} ${op.path} in a burst: no 429, no counting rate-limit headers.`,
      evidence: [ctx.evidence(last, `the last of ${answered} requests`)],
    });
  },
};
