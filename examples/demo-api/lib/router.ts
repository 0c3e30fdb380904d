/** One route: a method and a path template whose `{name}` segments capture. */
export interface RouteDef<H> {
  readonly method: string;
  readonly path: string;
  readonly handler: H;
}

/** The outcome of matching a request against a route table. */
export type RouteMatch<H> =
  | { readonly kind: 'found'; readonly handler: H; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'method'; readonly allow: readonly string[] }
  | { readonly kind: 'none' };

interface Compiled<H> {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: H;
}

function matchSegments(
  template: readonly string[],
  actual: readonly string[],
): Record<string, string> | null {
  if (template.length !== actual.length) return null;
  const params: Record<string, string> = Object.create(null);
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    const a = actual[i] as string;
    if (t.startsWith('{') && t.endsWith('}')) {
      if (a === '') return null;
      params[t.slice(1, -1)] = a;
    } else if (t !== a) {
      return null;
    }
  }
  return params;
}

/** Compile a small route table into a matcher (linear scan: the example APIs have a dozen routes). */
export function createRouter<H>(
  routes: readonly RouteDef<H>[],
): (method: string, path: string) => RouteMatch<H> {
  const compiled: Compiled<H>[] = routes.map((r) => ({
    method: r.method,
    segments: r.path.split('/'),
    handler: r.handler,
  }));
  return function match(method: string, path: string): RouteMatch<H> {
    const actual = path.split('/');
    const allow: string[] = [];
    for (const route of compiled) {
      const params = matchSegments(route.segments, actual);
      if (params === null) continue;
      if (route.method === method) return { kind: 'found', handler: route.handler, params };
      allow.push(route.method);
    }
    return allow.length > 0 ? { kind: 'method', allow } : { kind: 'none' };
  };
}
