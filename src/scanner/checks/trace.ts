/** API8: TRACE echoes requests back, headers included (cross-site tracing, header disclosure). */
import type { Check } from '../context.ts';
import type { CheckMeta } from '../types.ts';

const meta: CheckMeta = {
  id: 'trace-enabled',
  title: 'HTTP TRACE is enabled',
  category: 'API8',
  cwe: 693,
  severity: 'low',
  severityReason:
    'Remote, but only useful combined with other flaws (reading headers added by proxies, XST).',
  description: 'The server answers TRACE with the request echoed back.',
  remediation:
    'Disable TRACE; the Rampart gateway routes only the methods the OpenAPI document declares (undeclared → 404/405).',
};

/** Sends TRACE with a marker header and looks for the echo. */
export const traceCheck: Check = {
  meta,
  order: 10,
  units: () => [{ op: null, label: 'TRACE with a marker header', destructive: false }],
  async run(_unit, ctx) {
    const path = ctx.operations.find((o) => !o.path.includes('{'))?.path ?? '/';
    const ex = await ctx.send({
      method: 'TRACE',
      path,
      headers: { 'x-rampart-trace': 'rampart-trace-marker' },
    });
    const res = ex.response;
    if (res !== null && res.status >= 200 && res.status < 300 && res.body.includes('rampart-trace-marker')) {
      ctx.report(meta, {
        op: null,
        message: `TRACE ${path} echoed the request.`,
        evidence: [ctx.evidence(ex)],
      });
    }
  },
};
