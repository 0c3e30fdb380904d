/** API7: URL parameters the server fetches: pointed at the scanner's canary, a hit proves it. */
import type { Check } from '../context.ts';
import type { CheckMeta } from '../types.ts';
import { looksLikeUrl } from '../values.ts';
import { actor, injectionPoints, perOperation, withValue } from './util.ts';

const meta: CheckMeta = {
  id: 'ssrf',
  title: 'Server-side request forgery',
  category: 'API7',
  cwe: 918,
  severity: 'high',
  severityReason:
    'The server fetches any URL a caller names: internal services, cloud metadata (credentials) and loopback admin ports become reachable.',
  description:
    "A URL parameter pointed at the scanner's canary listener on 127.0.0.1 made the server connect to it (loopback, and its alternate spellings).",
  remediation:
    'Fetch only from an allowlist of origins with redirects off; the Rampart gateway `inspect` policy (ssrf detector, internalHosts) refuses loopback, private, link-local and metadata addresses in URL parameters (400 inject.ssrf).',
};

// The same loopback address spelled the ways naive filters miss.
function spellings(url: string, port: number): string[] {
  const path = url.slice(url.indexOf('/', 8));
  return [
    url,
    `http://2130706433:${port}${path}`,
    `http://[::ffff:127.0.0.1]:${port}${path}`,
    `http://127.1:${port}${path}`,
  ];
}

/** For each URL-like parameter, sends canary URLs until one is fetched. */
export const ssrfCheck: Check = {
  meta,
  order: 50,
  units: (plan) =>
    perOperation(
      plan,
      (op) => injectionPoints(op).some((p) => looksLikeUrl(p.name, p.schema)),
      (op) =>
        `canary URL in ${injectionPoints(op)
          .filter((p) => looksLikeUrl(p.name, p.schema))
          .map((p) => p.name)
          .join(', ')}`,
      { neverDelete: true },
    ),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null) return;
    const identity = actor(ctx, op);
    for (const point of injectionPoints(op).filter((p) => looksLikeUrl(p.name, p.schema))) {
      const first = ctx.canary.mint();
      const tries = spellings(first.url, ctx.canary.port);
      for (const [i, raw] of tries.entries()) {
        const token = i === 0 ? first.token : ctx.canary.mint().token;
        const url = i === 0 ? raw : raw.replace(first.token, token);
        const req = withValue(ctx, op, identity, point, url);
        if (req === undefined) return;
        const ex = await ctx.send(req);
        const hit = await ctx.canary.waitFor(token, 500);
        if (hit !== undefined) {
          ctx.report(meta, {
            op,
            key: point.name,
            message: `${op.method.toUpperCase()} ${op.path} fetched ${url} given in '${point.name}': the canary saw ${hit.method} from ${hit.remoteAddress}${hit.userAgent !== '' ? ` (${hit.userAgent})` : ''}.`,
            evidence: [ctx.evidence(ex, `the canary on 127.0.0.1:${ctx.canary.port} received the request`)],
          });
          break;
        }
      }
    }
  },
};
