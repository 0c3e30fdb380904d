/**
 * The GraphQL schema by one introspection of the upstream at load, for routes whose
 * `graphql.schema` is `introspect` instead of an SDL file. Policies compile synchronously, so the
 * services fetch these schemas before the plan is compiled (createServices) and the policy reads
 * them by `introspectionKey(api, path)`.
 */
import { resolve } from 'node:path';
import {
  buildClientSchema,
  type GraphQLSchema,
  getIntrospectionQuery,
  type IntrospectionQuery,
} from 'graphql';
import { request } from 'undici';
import type { RampartConfig, RoutePolicy } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { loadOpenApi } from '../openapi/load.ts';
import { listOperations } from '../openapi/operations.ts';

/** The value of `graphql.schema` that asks for introspection. */
export const INTROSPECT = 'introspect';

/** Bounds of one introspection: the whole exchange, and the response body. */
export const INTROSPECTION_LIMITS = Object.freeze({ timeoutMs: 10_000, maxBytes: 8 * 1024 * 1024 });

/** The key of an introspected schema: API name and operation path. */
export function introspectionKey(api: string, path: string): string {
  return `${api} ${path}`;
}

/** POST the standard introspection query to `url` and build the schema; rejects with a message naming the URL. */
export async function introspectSchema(
  url: string,
  limits: { readonly timeoutMs: number; readonly maxBytes: number } = INTROSPECTION_LIMITS,
): Promise<GraphQLSchema> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let text: string;
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: getIntrospectionQuery() }),
      signal,
      headersTimeout: limits.timeoutMs,
      bodyTimeout: limits.timeoutMs,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > limits.maxBytes) {
        res.body.destroy();
        throw new Error(`response larger than ${limits.maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    text = Buffer.concat(chunks).toString('utf8');
  } catch (e) {
    const why = signal.aborted ? `no answer within ${limits.timeoutMs} ms` : (e as Error).message;
    throw new Error(`GraphQL introspection of ${url} failed: ${why}`);
  }
  try {
    const body = JSON.parse(text) as { data?: IntrospectionQuery };
    if (typeof body !== 'object' || body === null || body.data === undefined)
      throw new Error('the answer has no data (is introspection disabled upstream?)');
    return buildClientSchema(body.data);
  } catch (e) {
    throw new Error(`GraphQL introspection of ${url} failed: ${(e as Error).message}`);
  }
}

/**
 * Introspect, once each, the upstreams of every route of the config that asks for it (the route's
 * `x-rampart` merged with `apis[].routes`, as the plan merges them). A failure is a ConfigError
 * naming the upstream: the gateway does not start on half a schema.
 */
export async function introspectConfigSchemas(
  config: Readonly<RampartConfig>,
  baseDir: string,
  limits: { readonly timeoutMs: number; readonly maxBytes: number } = INTROSPECTION_LIMITS,
): Promise<Map<string, GraphQLSchema>> {
  const out = new Map<string, GraphQLSchema>();
  for (const api of config.apis) {
    const wanted: string[] = [];
    // documents are read again by the plan: only the routes asking for introspection matter here
    let ops: ReturnType<typeof listOperations>;
    try {
      ops = listOperations(await loadOpenApi(resolve(baseDir, api.openapi)));
    } catch {
      continue; // the plan reports a broken document with its location
    }
    for (const op of ops) {
      const fromDoc = (op.extensions['x-rampart'] as RoutePolicy | undefined)?.graphql;
      const keys = [op.operationId, `${op.method.toUpperCase()} ${op.path}`];
      let g = fromDoc;
      for (const k of keys)
        if (k !== undefined && Object.hasOwn(api.routes, k))
          g = { ...g, ...api.routes[k]?.graphql } as typeof g;
      if (g?.schema === INTROSPECT && g.enabled !== false && !wanted.includes(op.path)) wanted.push(op.path);
    }
    const upstream = config.upstreams[api.upstream];
    if (upstream === undefined) continue; // the plan reports the unknown upstream
    for (const path of wanted) {
      const base = new URL(upstream.url);
      const url = `${base.origin}${base.pathname.replace(/\/+$/, '')}${path}`;
      try {
        out.set(introspectionKey(api.name, path), await introspectSchema(url, limits));
      } catch (e) {
        throw new ConfigError(`${(e as Error).message} (upstream "${api.upstream}" of API "${api.name}")`, {
          key: 'graphql.schema',
          hint: 'start the upstream first, or give graphql.schema an SDL file',
        });
      }
    }
  }
  return out;
}
