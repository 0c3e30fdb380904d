/** API8: version banners (Server, X-Powered-By) tell attackers which exploits to try. */
import type { Check } from '../context.ts';
import type { CheckMeta } from '../types.ts';

const meta: CheckMeta = {
  id: 'server-banner',
  title: 'Server banners disclose the software and version',
  category: 'API8',
  cwe: 200,
  severity: 'low',
  severityReason:
    'Remote and unauthenticated, but it only helps an attacker choose other exploits; no data or access is lost by itself.',
  description:
    'Responses carry Server / X-Powered-By / X-AspNet-Version headers naming the stack or its version.',
  remediation:
    'Remove the banners at the source; the Rampart gateway `headers` policy strips them from every response (response.removeHeaders).',
};

const BANNERS = [
  'x-powered-by',
  'x-aspnet-version',
  'x-aspnetmvc-version',
  'x-generator',
  'x-runtime',
  'x-version',
];

/** Looks for banner headers on the first normal response. */
export const serverBannerCheck: Check = {
  meta,
  order: 10,
  units: () => [{ op: null, label: 'response headers: Server, X-Powered-By', destructive: false }],
  async run(_unit, ctx) {
    const op = ctx.operations.find((o) => o.method === 'get') ?? ctx.operations[0];
    if (op === undefined) return;
    const ex = await ctx.baseline(op, ctx.lowPrivileged[0] ?? null);
    const headers = ex?.response?.headers;
    if (ex === undefined || headers === undefined) return;
    const found: string[] = [];
    const server = headers.server;
    if (server !== undefined && /[0-9]/.test(server)) found.push(`Server: ${server}`);
    for (const name of BANNERS) if (headers[name] !== undefined) found.push(`${name}: ${headers[name]}`);
    if (found.length === 0) return;
    ctx.report(meta, { op: null, message: `Banners: ${found.join('; ')}.`, evidence: [ctx.evidence(ex)] });
  },
};
