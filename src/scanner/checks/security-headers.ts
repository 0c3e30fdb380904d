/** API8: responses without the headers that stop MIME sniffing, caching of private data and downgrade. */
import type { Check } from '../context.ts';
import { isSecured } from '../ops.ts';
import type { CheckMeta } from '../types.ts';

const meta: CheckMeta = {
  id: 'security-headers',
  title: 'Security headers missing',
  category: 'API8',
  cwe: 693,
  severity: 'low',
  severityReason:
    'Needs another flaw or a shared cache/browser to matter (sniffing, cached private data); defence in depth.',
  description:
    'JSON responses lack X-Content-Type-Options: nosniff, authenticated responses lack Cache-Control: no-store, or HTTPS lacks Strict-Transport-Security.',
  remediation:
    'Set them in the application, or let the Rampart gateway `headers` policy add nosniff, Cache-Control: no-store and HSTS to every response.',
};

/** Checks one authenticated (else any) normal response for the baseline security headers. */
export const securityHeadersCheck: Check = {
  meta,
  order: 10,
  units: () => [{ op: null, label: 'X-Content-Type-Options, Cache-Control, HSTS', destructive: false }],
  async run(_unit, ctx) {
    const identity = ctx.lowPrivileged[0] ?? ctx.identities[0] ?? null;
    const op =
      ctx.operations.find((o) => o.method === 'get' && isSecured(o)) ??
      ctx.operations.find((o) => o.method === 'get');
    if (op === undefined) return;
    const ex = await ctx.baseline(op, isSecured(op) ? identity : null);
    const res = ex?.response;
    if (ex === undefined || res === undefined || res === null || res.status >= 300) return;
    const missing: string[] = [];
    if ((res.headers['x-content-type-options'] ?? '').toLowerCase() !== 'nosniff')
      missing.push('X-Content-Type-Options: nosniff');
    if (isSecured(op) && !/no-store|private/i.test(res.headers['cache-control'] ?? ''))
      missing.push('Cache-Control: no-store');
    if (ctx.target.protocol === 'https:' && res.headers['strict-transport-security'] === undefined)
      missing.push('Strict-Transport-Security');
    if (missing.length === 0) return;
    ctx.report(meta, {
      op: null,
      message: `Missing on ${op.method.toUpperCase()} ${op.path}: ${missing.join(', ')}.`,
      evidence: [ctx.evidence(ex)],
    });
  },
};
