/** Injection (CWE-78): OS command injection detected by a bounded sleep, seen twice. */
import type { Check } from '../context.ts';
import { cmdiSleepPayloads } from '../payloads.ts';
import type { CheckMeta } from '../types.ts';
import {
  actor,
  benignValue,
  elapsed,
  injectionPoints,
  injectionUnits,
  isStringish,
  pointsFor,
  withValue,
} from './util.ts';

const meta: CheckMeta = {
  id: 'cmdi',
  title: 'OS command injection',
  category: 'API8',
  cwe: 78,
  severity: 'critical',
  severityReason: "Remote code execution on the server with the API's privileges.",
  description:
    'Shell separators followed by `sleep N` delay the response by at least N seconds, twice, while the benign value does not.',
  remediation:
    'Never build shell commands from input (use execFile with argument arrays); the Rampart gateway `inspect` policy (cmdi detector) refuses shell metacharacter sequences (400 inject.cmdi).',
};

/** For each string parameter: `;sleep N`, `|sleep N`, `$(sleep N)`, backticks, `&& sleep N`. */
export const cmdiCheck: Check = {
  meta,
  order: 55,
  units: (plan) =>
    injectionUnits(
      plan,
      (op) => injectionPoints(op).some((p) => isStringish(p.schema)),
      'shell sleep payloads',
    ),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null) return;
    const id = actor(ctx, op);
    const d = ctx.config.delaySeconds;
    const timeoutMs = d * 2000 + 5000;
    for (const p of await pointsFor(ctx, op)) {
      if (!isStringish(p.schema)) continue;
      const v = benignValue(ctx, op, id, p);
      const benignReq = withValue(ctx, op, id, p, v);
      if (benignReq === undefined) continue;
      const benign = await ctx.send(benignReq, { timeoutMs });
      const base = elapsed(benign);
      if (base === Number.POSITIVE_INFINITY || base >= d * 1000) continue;
      for (const payload of cmdiSleepPayloads(v, d)) {
        const req = withValue(ctx, op, id, p, payload);
        if (req === undefined) break;
        const a = await ctx.send(req, { timeoutMs });
        if (elapsed(a) === Number.POSITIVE_INFINITY || elapsed(a) < d * 1000 + base * 0.5) continue;
        const b = await ctx.send(req, { timeoutMs });
        if (elapsed(b) === Number.POSITIVE_INFINITY || elapsed(b) < d * 1000) continue;
        ctx.report(meta, {
          op,
          key: p.name,
          message: `'${p.name}' of ${op.method.toUpperCase()} ${op.path}: '${payload}' delayed the answer twice (${Math.round(elapsed(a))} ms, ${Math.round(elapsed(b))} ms; benign ${Math.round(base)} ms).`,
          evidence: [
            ctx.evidence(a, 'first delayed answer'),
            ctx.evidence(b, 'second delayed answer'),
            ctx.evidence(benign, 'benign value'),
          ],
        });
        break;
      }
    }
  },
};
