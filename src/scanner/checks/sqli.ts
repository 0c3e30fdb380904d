/** Injection (CWE-89): SQL error-based, boolean-based and time-based, each confirmed twice. */
import type { Operation } from '../../openapi/operations.ts';
import type { Check, Identity, ScanContext } from '../context.ts';
import type { Exchange } from '../http.ts';
import { sqlBooleanPairs, sqlErrorProbes, sqlSleepPayloads } from '../payloads.ts';
import type { CheckMeta } from '../types.ts';
import { sqlError } from './signatures.ts';
import {
  actor,
  benignValue,
  elapsed,
  type InjectionPoint,
  injectionPoints,
  injectionUnits,
  ok,
  pointsFor,
  signature,
  withValue,
} from './util.ts';

const meta: CheckMeta = {
  id: 'sqli',
  title: 'SQL injection',
  category: 'API8',
  cwe: 89,
  severity: 'critical',
  severityReason:
    'Remote, by any caller of the operation: reads (and often writes) the whole database, password hashes included.',
  description:
    'A parameter changes the SQL the server runs: quotes produce database errors the benign value does not, true/false conditions produce two stable different answers, or a sleep delays the response, each seen twice.',
  remediation:
    'Use parameterized queries; the Rampart gateway `validate` policy bounds the parameter by its schema and the `inspect` policy (sqli detector) refuses SQL syntax in parameters (400 inject.sqli).',
};

async function sendWith(ctx: ScanContext, op: Operation, id: Identity | null, p: InjectionPoint, v: string) {
  const req = withValue(ctx, op, id, p, v);
  return req === undefined
    ? undefined
    : ctx.send(req, { timeoutMs: ctx.config.delaySeconds * 1000 * 2 + 5000 });
}

/** Error-based: two quote payloads raise a database error that the benign value does not. */
async function errorBased(
  ctx: ScanContext,
  op: Operation,
  id: Identity | null,
  p: InjectionPoint,
  benign: Exchange,
) {
  if (sqlError(benign.response?.body ?? '') !== undefined) return false;
  const [quote, paren] = sqlErrorProbes(benignValue(ctx, op, id, p));
  const a = await sendWith(ctx, op, id, p, quote);
  const aErr = sqlError(a?.response?.body ?? '');
  if (a === undefined || aErr === undefined) return false;
  const b = await sendWith(ctx, op, id, p, paren);
  if (b === undefined || sqlError(b.response?.body ?? '') === undefined) return false;
  ctx.report(meta, {
    op,
    key: p.name,
    message: `'${p.name}' of ${op.method.toUpperCase()} ${op.path}: a quote raises a ${aErr} (seen twice, with two payloads; the benign value does not).`,
    evidence: [
      ctx.evidence(a, `${aErr} for a single quote`),
      ctx.evidence(b, 'confirmed with a quote and parenthesis'),
      ctx.evidence(benign, 'the benign value'),
    ],
  });
  return true;
}

/** Boolean-based: an always-true and an always-false condition give two different, each repeatable, answers. */
async function booleanBased(ctx: ScanContext, op: Operation, id: Identity | null, p: InjectionPoint) {
  for (const [t, f] of sqlBooleanPairs(benignValue(ctx, op, id, p))) {
    const t1 = await sendWith(ctx, op, id, p, t);
    const f1 = await sendWith(ctx, op, id, p, f);
    if (!ok(t1) || f1 === undefined) continue;
    const st1 = signature(t1, [t]);
    const sf1 = signature(f1, [f]);
    if (st1 === sf1) continue;
    const t2 = await sendWith(ctx, op, id, p, t);
    const f2 = await sendWith(ctx, op, id, p, f);
    if (signature(t2, [t]) !== st1 || signature(f2, [f]) !== sf1) continue;
    ctx.report(meta, {
      op,
      key: p.name,
      message: `'${p.name}' of ${op.method.toUpperCase()} ${op.path}: a true and a false SQL condition give two different answers, each repeated identically.`,
      evidence: [ctx.evidence(t1, 'always-true condition'), ctx.evidence(f1, 'always-false condition')],
    });
    return true;
  }
  return false;
}

/** Time-based: a database sleep of `delaySeconds` delays the answer by at least that, twice. */
async function timeBased(
  ctx: ScanContext,
  op: Operation,
  id: Identity | null,
  p: InjectionPoint,
  benign: Exchange,
) {
  const d = ctx.config.delaySeconds;
  const v = benignValue(ctx, op, id, p);
  const base = elapsed(benign);
  for (const payload of sqlSleepPayloads(v, d)) {
    const a = await sendWith(ctx, op, id, p, payload);
    if (elapsed(a) === Number.POSITIVE_INFINITY || elapsed(a) < d * 1000 + base * 0.5) continue;
    const b = await sendWith(ctx, op, id, p, payload);
    if (b === undefined || elapsed(b) === Number.POSITIVE_INFINITY || elapsed(b) < d * 1000) continue;
    ctx.report(meta, {
      op,
      key: p.name,
      message: `'${p.name}' of ${op.method.toUpperCase()} ${op.path}: a ${d} s SQL sleep delayed the answer twice (${Math.round(elapsed(a))} ms, ${Math.round(elapsed(b))} ms; benign ${Math.round(base)} ms).`,
      evidence: [
        ctx.evidence(a as Exchange, 'first delayed answer'),
        ctx.evidence(b, 'second delayed answer'),
      ],
    });
    return true;
  }
  return false;
}

/** Every query, path and JSON body parameter, error-based first (cheapest), then boolean, then time. */
export const sqliCheck: Check = {
  meta,
  order: 50,
  units: (plan) => injectionUnits(plan, (op) => injectionPoints(op).length > 0, 'SQL payloads'),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null) return;
    const id = actor(ctx, op);
    for (const p of await pointsFor(ctx, op)) {
      const benign = await sendWith(ctx, op, id, p, benignValue(ctx, op, id, p));
      if (benign?.response === null || benign === undefined) continue;
      if (await errorBased(ctx, op, id, p, benign)) continue;
      if (await booleanBased(ctx, op, id, p)) continue;
      await timeBased(ctx, op, id, p, benign);
    }
  },
};
