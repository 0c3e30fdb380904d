/** API8: CORS that reflects any Origin together with credentials lets any web page call the API as the user. */
import type { Check } from '../context.ts';
import { isSecured } from '../ops.ts';
import type { CheckMeta } from '../types.ts';

const meta: CheckMeta = {
  id: 'cors-reflection',
  title: 'CORS reflects any origin with credentials',
  category: 'API8',
  cwe: 942,
  severity: 'high',
  severityReason:
    "Any web site a logged-in user visits can read API responses with the user's cookies: remote, needs only a click.",
  description:
    'Access-Control-Allow-Origin echoes an arbitrary (or null) Origin while Access-Control-Allow-Credentials is true.',
  remediation:
    'List exact origins; the Rampart gateway `cors` policy (apis[].cors.origins) answers only those and never reflects.',
};

const EVIL = 'https://rampart-scan.invalid';

/** Sends a normal request with a foreign Origin (and `null`) and reads the CORS answer. */
export const corsCheck: Check = {
  meta,
  order: 10,
  units: () => [{ op: null, label: `Origin: ${EVIL} and Origin: null`, destructive: false }],
  async run(_unit, ctx) {
    const op = ctx.operations.find((o) => o.method === 'get');
    if (op === undefined) return;
    const identity = isSecured(op) ? (ctx.lowPrivileged[0] ?? null) : null;
    for (const origin of [EVIL, 'null']) {
      const req = ctx.build(op, { identity, headers: { origin } });
      if (req === undefined) return;
      const ex = await ctx.send(req);
      const h = ex.response?.headers;
      if (h === undefined) continue;
      const acao = h['access-control-allow-origin'];
      const creds = (h['access-control-allow-credentials'] ?? '').toLowerCase() === 'true';
      if ((acao === origin || acao === '*') && creds) {
        ctx.report(meta, {
          op: null,
          message: `Access-Control-Allow-Origin: ${acao} with credentials for Origin: ${origin}.`,
          evidence: [ctx.evidence(ex)],
        });
        return;
      }
    }
  },
};
