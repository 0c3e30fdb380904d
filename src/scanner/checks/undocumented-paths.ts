/** API9: common undocumented paths (admin consoles, debug endpoints, old versions, secrets files) that answer. */
import { randomBytes } from 'node:crypto';
import type { Check } from '../context.ts';
import type { Exchange } from '../http.ts';
import type { CheckMeta } from '../types.ts';
import { normalizeBody } from './util.ts';

const meta: CheckMeta = {
  id: 'undocumented-paths',
  title: 'Undocumented endpoints answer',
  category: 'API9',
  cwe: 1059,
  severity: 'medium',
  severityReason:
    'Remote and unauthenticated to find; forgotten endpoints (debug, old versions, config files) are usually unprotected.',
  description:
    'Paths that the OpenAPI document does not declare (admin, debug, actuator, .env, older versions) return 2xx.',
  remediation:
    'Remove or protect them; the Rampart gateway denies by default: a method+path the OpenAPI document does not declare is a 404 before it reaches the API.',
};

const COMMON = [
  '/admin',
  '/debug',
  '/actuator',
  '/actuator/env',
  '/actuator/health',
  '/env',
  '/.env',
  '/.git/config',
  '/config',
  '/server-status',
  '/metrics',
  '/console',
  '/phpinfo.php',
  '/swagger.json',
  '/openapi.json',
  '/v2/api-docs',
  '/swagger-ui.html',
  '/graphql',
  '/api/v0',
  '/api/internal',
  '/internal',
  '/test',
  '/backup',
  '/api/admin',
];

/** Version siblings of documented paths: /api/v1/x → /api/v0/x, /api/v2/x (older or newer versions still served). */
function versionSiblings(paths: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    if (p.includes('{')) continue;
    const m = /\/v(\d{1,3})\//.exec(p);
    if (m === null) continue;
    const n = Number(m[1]);
    for (const v of [n - 1, n + 1]) if (v >= 0) out.add(p.replace(`/v${n}/`, `/v${v}/`));
    if (out.size >= 6) break;
  }
  return [...out];
}

/** Probes a fixed list plus version siblings; a 2xx that differs from the answer to a random path is a finding. */
export const undocumentedPathsCheck: Check = {
  meta,
  order: 15,
  units: (plan) => [
    {
      op: null,
      label: `${COMMON.length + versionSiblings(plan.operations.map((o) => o.path)).length} common and older-version paths`,
      destructive: false,
    },
  ],
  async run(_unit, ctx) {
    const documented = new Set(ctx.operations.map((o) => o.path));
    const random = `/rampart-${randomBytes(8).toString('hex')}`;
    const control = await ctx.send({ method: 'GET', path: random, headers: { accept: 'application/json' } });
    const controlBody = normalizeBody(control.response?.body ?? '', [random]);
    const identity = ctx.lowPrivileged[0] ?? null;
    const probes = [...COMMON, ...versionSiblings(ctx.operations.map((o) => o.path))].filter(
      (p) => !documented.has(p),
    );
    for (const path of probes) {
      const ex: Exchange = await ctx.send({
        method: 'GET',
        path,
        headers: { accept: 'application/json', ...(identity?.headers ?? {}) },
        identity: identity?.name ?? null,
      });
      const res = ex.response;
      if (res === null || res.status < 200 || res.status >= 300) continue;
      if (control.response?.status === res.status && normalizeBody(res.body, [path]) === controlBody)
        continue;
      ctx.report(meta, {
        op: null,
        key: path,
        message: `GET ${path} (not in the OpenAPI document) answered ${res.status}.`,
        evidence: [ctx.evidence(ex), ctx.evidence(control, 'a random path, for comparison')],
        ...(/swagger|openapi|api-docs/.test(path) ? { severity: 'info' as const } : {}),
      });
    }
  },
};
