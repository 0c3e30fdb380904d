/** API8: error responses that carry stack traces or database errors. */
import type { Check } from '../context.ts';
import type { Exchange } from '../http.ts';
import { jsonRequestSchema, pathParamNames } from '../ops.ts';
import type { CheckMeta } from '../types.ts';
import { sqlError, stackTrace } from './signatures.ts';
import { actor, perOperation } from './util.ts';

const meta: CheckMeta = {
  id: 'verbose-errors',
  title: 'Errors disclose stack traces or database errors',
  category: 'API8',
  cwe: 209,
  severity: 'medium',
  severityReason:
    'Remote and cheap to trigger; it hands attackers file paths, library versions and query text that guide injection.',
  description: 'A malformed request gets an error response containing a stack trace or a raw database error.',
  remediation:
    'Return RFC 9457 problem+json with a generic message and log the detail; the Rampart gateway `response` policy (errors: sanitize) replaces upstream 5xx bodies and strips stack traces.',
};

/** Sends one malformed request per operation (bad JSON, a quote in every parameter) and reads the error. */
export const verboseErrorsCheck: Check = {
  meta,
  order: 20,
  units: (plan) =>
    perOperation(
      plan,
      () => true,
      () => 'malformed input',
      { neverDelete: true },
    ),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null) return;
    const identity = actor(ctx, op);
    const bad = `rampart'"<>`;
    const path: Record<string, string> = {};
    for (const name of pathParamNames(op)) path[name] = bad;
    const query: Record<string, string> = {};
    for (const p of op.parameters) if (p.in === 'query') query[p.name] = bad;
    const tries: Exchange[] = [];
    const req = ctx.build(op, {
      identity,
      path,
      query,
      ...(jsonRequestSchema(op) !== undefined ? { body: '{"rampart":' } : {}),
    });
    if (req === undefined) return;
    tries.push(await ctx.send(req));
    for (const ex of tries) {
      const body = ex.response?.body ?? '';
      const found = stackTrace(body) ?? sqlError(body);
      if (found !== undefined) {
        ctx.report(meta, {
          op,
          message: `A malformed request to ${op.method.toUpperCase()} ${op.path} returned ${ex.response?.status}: ${found} in the body.`,
          evidence: [ctx.evidence(ex, found)],
        });
        return;
      }
    }
  },
};
