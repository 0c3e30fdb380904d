/** A compiled path template: literal segments and parameters, possibly with a literal prefix/suffix. */
type SegmentMatcher =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'param'; readonly name: string; readonly prefix: string; readonly suffix: string };

interface Node<T> {
  readonly literals: Map<string, Node<T>>;
  /** Parameter branches, most specific (longest prefix+suffix) first. */
  readonly params: { matcher: Extract<SegmentMatcher, { kind: 'param' }>; node: Node<T> }[];
  /** A "/*" prefix route stored here (passthrough). */
  wildcard: Map<string, T> | undefined;
  /** Routes that end at this node, by upper-case method. */
  routes: Map<string, T> | undefined;
}

/** The result of matching a path: the route, its parameters, or why nothing matched. */
export type RouteMatch<T> =
  | { readonly kind: 'found'; readonly route: T; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'method'; readonly allow: readonly string[] }
  | { readonly kind: 'none' };

/** Error thrown at build time for conflicting or malformed templates. */
export class RouteConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RouteConflictError';
  }
}

function newNode<T>(): Node<T> {
  return { literals: new Map(), params: [], wildcard: undefined, routes: undefined };
}

/** Split an OpenAPI path template into segment matchers; `{name}` may be surrounded by literals. */
export function parseTemplate(template: string): SegmentMatcher[] {
  if (!template.startsWith('/'))
    throw new RouteConflictError(`path template must start with "/": ${template}`);
  const parts = template.split('/').slice(1);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((part) => {
    const open = part.indexOf('{');
    if (open < 0) {
      if (part.includes('}')) throw new RouteConflictError(`unbalanced "}" in ${template}`);
      return { kind: 'literal', value: part };
    }
    const close = part.indexOf('}', open);
    if (close < 0 || part.indexOf('{', open + 1) >= 0) {
      throw new RouteConflictError(`only one {parameter} per segment is supported: ${template}`);
    }
    const name = part.slice(open + 1, close);
    if (name === '') throw new RouteConflictError(`empty parameter name in ${template}`);
    return { kind: 'param', name, prefix: part.slice(0, open), suffix: part.slice(close + 1) };
  });
}

/**
 * A segment trie over templated paths. Literal segments win over parameters, parameters with more
 * literal text win over bare ones, and matching walks each segment once (backtracking only between
 * sibling parameter branches, bounded by the template count).
 */
export class Router<T> {
  readonly #root: Node<T> = newNode();
  readonly #caseSensitive: boolean;

  constructor(options: { caseSensitive: boolean }) {
    this.#caseSensitive = options.caseSensitive;
  }

  /** Add a route for a method (upper case) on a template. Throws RouteConflictError on a duplicate. */
  add(method: string, template: string, route: T): void {
    let node = this.#root;
    for (const m of parseTemplate(template)) {
      if (m.kind === 'literal') {
        const key = this.#caseSensitive ? m.value : m.value.toLowerCase();
        let next = node.literals.get(key);
        if (next === undefined) {
          next = newNode();
          node.literals.set(key, next);
        }
        node = next;
      } else {
        let branch = node.params.find((p) => p.matcher.prefix === m.prefix && p.matcher.suffix === m.suffix);
        if (branch === undefined) {
          branch = { matcher: m, node: newNode() };
          node.params.push(branch);
          node.params.sort(
            (a, b) =>
              b.matcher.prefix.length +
              b.matcher.suffix.length -
              (a.matcher.prefix.length + a.matcher.suffix.length),
          );
        } else if (branch.matcher.name !== m.name) {
          throw new RouteConflictError(
            `${template}: parameter {${m.name}} conflicts with {${branch.matcher.name}} at the same position`,
          );
        }
        node = branch.node;
      }
    }
    node.routes ??= new Map();
    if (node.routes.has(method)) throw new RouteConflictError(`duplicate route ${method} ${template}`);
    node.routes.set(method, route);
  }

  /** Add a prefix route: `prefix` and every path below it. */
  addPrefix(method: string, prefix: string, route: T): void {
    let node = this.#root;
    for (const m of parseTemplate(prefix)) {
      if (m.kind !== 'literal')
        throw new RouteConflictError(`prefix routes take literal paths only: ${prefix}`);
      const key = this.#caseSensitive ? m.value : m.value.toLowerCase();
      let next = node.literals.get(key);
      if (next === undefined) {
        next = newNode();
        node.literals.set(key, next);
      }
      node = next;
    }
    node.wildcard ??= new Map();
    if (!node.wildcard.has(method)) node.wildcard.set(method, route);
  }

  /** Match a canonical path (see normalizeTarget). Parameter values stay percent-encoded. */
  match(method: string, path: string): RouteMatch<T> {
    const segments = path === '/' ? [] : path.slice(1).split('/');
    if (segments.length > 0 && segments[segments.length - 1] === '') segments.pop();
    const params: Record<string, string> = Object.create(null);
    const end = this.#walk(this.#root, segments, 0, params);
    if (end !== undefined) {
      const route = end.routes?.get(method);
      if (route !== undefined) return { kind: 'found', route, params };
    }
    const prefix = this.#prefix(segments, method);
    if (prefix !== undefined) return { kind: 'found', route: prefix, params: Object.create(null) };
    if (end?.routes !== undefined && end.routes.size > 0)
      return { kind: 'method', allow: [...end.routes.keys()].sort() };
    return { kind: 'none' };
  }

  #walk(
    node: Node<T>,
    segments: readonly string[],
    i: number,
    params: Record<string, string>,
  ): Node<T> | undefined {
    if (i === segments.length) return node.routes === undefined ? undefined : node;
    const seg = segments[i]!;
    const lit = node.literals.get(this.#caseSensitive ? seg : seg.toLowerCase());
    if (lit !== undefined) {
      const found = this.#walk(lit, segments, i + 1, params);
      if (found !== undefined) return found;
    }
    for (const { matcher, node: child } of node.params) {
      const { prefix, suffix } = matcher;
      // a parameter never matches an empty value
      if (seg.length <= prefix.length + suffix.length) continue;
      if (!seg.startsWith(prefix) || !seg.endsWith(suffix)) continue;
      const found = this.#walk(child, segments, i + 1, params);
      if (found !== undefined) {
        params[matcher.name] = seg.slice(prefix.length, seg.length - suffix.length);
        return found;
      }
    }
    return undefined;
  }

  #prefix(segments: readonly string[], method: string): T | undefined {
    let node: Node<T> | undefined = this.#root;
    let best = node.wildcard?.get(method) ?? node.wildcard?.get('*');
    for (const seg of segments) {
      node = node.literals.get(this.#caseSensitive ? seg : seg.toLowerCase());
      if (node === undefined) break;
      const w = node.wildcard?.get(method) ?? node.wildcard?.get('*');
      if (w !== undefined) best = w;
    }
    return best;
  }
}
