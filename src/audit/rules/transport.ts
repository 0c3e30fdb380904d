import { joinPointer } from '../../openapi/pointer.ts';
import { isObject, isPublic } from '../context.ts';
import type { AuditContext, Rule, RuleHit } from '../types.ts';

const isPlainHttp = (url: string): boolean => url.slice(0, 7).toLowerCase() === 'http://';

interface ServerUse {
  readonly server: Readonly<Record<string, unknown>>;
  readonly url: string;
  readonly pointer: string;
  secured: boolean;
}

/** Every plain-HTTP server object of the document, and whether a secured operation uses it. */
function plainHttpServers(ctx: AuditContext): ServerUse[] {
  const found = new Map<object, ServerUse>();
  const add = (list: unknown, pointer: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((server, i) => {
      if (!isObject(server) || typeof server.url !== 'string' || !isPlainHttp(server.url)) return;
      if (!found.has(server))
        found.set(server, { server, url: server.url, pointer: `${pointer}/${i}`, secured: false });
    });
  };
  add(ctx.doc.root.servers, '/servers');
  const paths = ctx.doc.root.paths;
  if (isObject(paths)) {
    for (const [path, item] of Object.entries(paths))
      if (isObject(item)) add(item.servers, joinPointer('/paths', path, 'servers'));
  }
  for (const op of ctx.operations) {
    add(op.raw.servers, `${op.pointer}/servers`);
    if (isPublic(op)) continue;
    for (const server of op.servers) {
      const use = found.get(server);
      if (use) use.secured = true;
    }
  }
  return [...found.values()];
}

/** Credentials (tokens, keys, OAuth exchanges) sent over plain HTTP. */
export const credentialsOverHttp: Rule = {
  id: 'auth.credentials-over-http',
  title: 'Credentials over plain HTTP',
  category: 'API2',
  severity: 'high',
  description:
    'A secured operation served over http://, or an OAuth endpoint on http://, sends tokens and keys in clear text to anyone on the path.',
  fix: 'Serve the API and its OAuth endpoints over https:// only.',
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const use of plainHttpServers(ctx)) {
      if (!use.secured) continue;
      hits.push({
        ...ctx.placeOf(use.server, use.pointer),
        message: `secured operations are served over plain HTTP (${use.url.slice(0, 200)})`,
      });
    }
    for (const [name, scheme] of Object.entries(ctx.securitySchemes)) {
      const base = joinPointer('/components/securitySchemes', name);
      if (typeof scheme.openIdConnectUrl === 'string' && isPlainHttp(scheme.openIdConnectUrl)) {
        hits.push({
          ...ctx.placeAt(`${base}/openIdConnectUrl`),
          message: `'${name}': OpenID Connect URL uses http://`,
        });
      }
      if (!isObject(scheme.flows)) continue;
      for (const [flowName, flow] of Object.entries(scheme.flows)) {
        if (!isObject(flow)) continue;
        for (const key of ['authorizationUrl', 'tokenUrl', 'refreshUrl'] as const) {
          const url = flow[key];
          if (typeof url === 'string' && isPlainHttp(url)) {
            hits.push({
              ...ctx.placeAt(joinPointer(base, 'flows', flowName, key)),
              message: `'${name}' ${flowName} flow: ${key} uses http://`,
            });
          }
        }
      }
    }
    return hits;
  },
};

/** Servers on plain HTTP that no secured operation uses (those are reported as credentials over HTTP). */
export const httpServer: Rule = {
  id: 'servers.http',
  title: 'Server on plain HTTP',
  category: 'API8',
  severity: 'medium',
  description:
    'Traffic to an http:// server can be read and changed in transit, and the document invites clients to use it.',
  fix: 'List https:// servers only; keep plain-HTTP development servers out of the published document.',
  check: (ctx) =>
    plainHttpServers(ctx)
      .filter((use) => !use.secured)
      .map((use) => ({
        ...ctx.placeOf(use.server, use.pointer),
        message: `server uses plain HTTP (${use.url.slice(0, 200)})`,
      })),
};
