/** Injection (CWE-22): path traversal, proved by well-known file contents, with two payloads. */
import type { Check } from '../context.ts';
import { TRAVERSAL_SETS } from '../payloads.ts';
import type { CheckMeta } from '../types.ts';
import { actor, injectionPoints, injectionUnits, isStringish, pointsFor, withValue } from './util.ts';

const meta: CheckMeta = {
  id: 'path-traversal',
  title: 'Path traversal',
  category: 'API8',
  cwe: 22,
  severity: 'critical',
  severityReason: 'Remote read of arbitrary server files (configuration, keys, credentials).',
  description:
    'A file-like parameter with ../ sequences returns /etc/passwd or win.ini content, with two different payloads.',
  remediation:
    'Resolve names against a fixed directory and refuse anything outside it; the Rampart gateway `inspect` policy (traversal detector, after multi-pass decoding) refuses ../ sequences (400 inject.traversal).',
};

const FILE_NAME =
  /(file|path|name|template|doc|document|page|dir|folder|download|attachment|include|view|resource|lang)/i;

/** For file-like string parameters: Unix then Windows payloads, two encodings each. */
export const traversalCheck: Check = {
  meta,
  order: 55,
  units: (plan) =>
    injectionUnits(
      plan,
      (op) => injectionPoints(op).some((p) => isStringish(p.schema) && FILE_NAME.test(p.name)),
      '../ payloads in file-like parameters',
    ),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null) return;
    const id = actor(ctx, op);
    for (const p of await pointsFor(ctx, op)) {
      if (!isStringish(p.schema) || !FILE_NAME.test(p.name)) continue;
      for (const { proof: sig, payloads } of TRAVERSAL_SETS) {
        const hits = [];
        for (const payload of payloads) {
          const req = withValue(ctx, op, id, p, payload);
          if (req === undefined) break;
          const ex = await ctx.send(req);
          if (sig.test(ex.response?.body ?? '')) hits.push(ex);
          if (hits.length === 2) break;
        }
        if (hits.length < 2) continue;
        ctx.report(meta, {
          op,
          key: p.name,
          message: `'${p.name}' of ${op.method.toUpperCase()} ${op.path} returns a system file's content for two traversal payloads.`,
          evidence: hits.map((h) => ctx.evidence(h, 'system file content in the response')),
        });
        break;
      }
    }
  },
};
