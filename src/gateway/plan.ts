import { readFile } from 'node:fs/promises';
import { BlockList, isIP } from 'node:net';
import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import type { LoadedConfig } from '../config/load.ts';
import { deepFreeze } from '../config/load.ts';
import type { ApiConfig, CorsConfig, RampartConfig, RoutePolicy, UpstreamConfig } from '../config/schema.ts';
import { RoutePolicy as RoutePolicySchema } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import type { LoadedDocument } from '../openapi/load.ts';
import { loadOpenApi, OpenApiError } from '../openapi/load.ts';
import type { Operation } from '../openapi/operations.ts';
import { listOperations } from '../openapi/operations.ts';
import { compilePhases, POLICY_FACTORIES, type PolicyFactory } from '../policies/registry.ts';
import { emptyServices, type PolicyServices } from '../policies/services.ts';
import type { Phases } from './pipeline.ts';
import { RouteConflictError, Router } from './router.ts';

/** One API of the config, compiled. */
export interface CompiledApi {
  readonly name: string;
  readonly upstream: string;
  readonly document: LoadedDocument;
  readonly cors: CompiledCors | undefined;
}

/** A CORS policy with its origin checks precomputed. */
export interface CompiledCors {
  readonly exact: ReadonlySet<string>;
  /** "https://*.example.com" → { scheme: 'https://', suffix: '.example.com' } */
  readonly wildcards: readonly { readonly scheme: string; readonly suffix: string }[];
  readonly any: boolean;
  readonly credentials: boolean;
  readonly allowHeaders: string;
  readonly exposeHeaders: string;
  readonly maxAge: string;
}

/** Everything the gateway needs to serve one route, frozen at load. */
export interface CompiledRoute {
  /** operationId, or "METHOD /path" when the operation has none, or "passthrough:METHOD /path". */
  readonly id: string;
  /** Metric and log label: "api:id". */
  readonly label: string;
  readonly api: CompiledApi;
  readonly method: string;
  /** Full template including the base path, e.g. /v1/users/{id}. */
  readonly template: string;
  readonly operation: Operation | undefined;
  readonly passthrough: boolean;
  /** True when the operation requires credentials (its effective security is not empty). */
  readonly authenticated: boolean;
  readonly deprecated: boolean;
  readonly mode: 'enforce' | 'monitor';
  readonly maxBodyBytes: number;
  readonly timeoutMs: number;
  readonly policy: Readonly<RoutePolicy>;
  /** The request phases, or null when the route has none (the hot path then skips them). */
  readonly phases: Phases | null;
}

/** The compiled, immutable plan: swapped whole on reload. */
export interface Plan {
  readonly loaded: LoadedConfig;
  readonly config: Readonly<RampartConfig>;
  readonly router: Router<CompiledRoute>;
  readonly routes: readonly CompiledRoute[];
  readonly apis: readonly CompiledApi[];
  readonly upstreams: Readonly<Record<string, Readonly<UpstreamConfig>>>;
  readonly trustedProxies: BlockList;
  readonly hasTrustedProxies: boolean;
  /** Certificates and keys read at load, by listener index. */
  readonly tls: readonly (TlsMaterial | undefined)[];
  /** Things that load but deserve attention (printed by validate-config, logged by the gateway). */
  readonly warnings: readonly string[];
}

/** PEM material for one TLS listener. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer | undefined;
  readonly passphrase: string | undefined;
  readonly files: readonly string[];
}

const METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE']);
const policyAjv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
const validatePolicy = policyAjv.compile(RoutePolicySchema);

/** Load every OpenAPI document of a loaded config and compile the route table. Throws ConfigError. */
export async function compilePlan(
  loaded: LoadedConfig,
  options: { readonly factories?: readonly PolicyFactory[]; readonly services?: PolicyServices } = {},
): Promise<Plan> {
  const { config } = loaded;
  const factories = options.factories ?? POLICY_FACTORIES;
  const services = options.services ?? emptyServices();
  const router = new Router<CompiledRoute>({ caseSensitive: config.paths.caseSensitive });
  const routes: CompiledRoute[] = [];
  const apis: CompiledApi[] = [];

  for (const [i, apiConfig] of config.apis.entries()) {
    const document = await loadDocument(loaded, i, apiConfig);
    const api: CompiledApi = {
      name: apiConfig.name,
      upstream: apiConfig.upstream,
      document,
      cors: apiConfig.cors === undefined ? undefined : compileCors(apiConfig.cors),
    };
    apis.push(api);
    const operations = listOperations(document);
    const used = new Set<string>();
    for (const op of operations) {
      const method = op.method.toUpperCase();
      const key = op.operationId ?? `${method} ${op.path}`;
      const override = findOverride(apiConfig, op, used);
      const fromDoc = op.extensions['x-rampart'];
      if (fromDoc !== undefined && !validatePolicy(fromDoc)) {
        const err = validatePolicy.errors?.[0];
        throw new OpenApiError(
          'openapi.invalid',
          `x-rampart of ${key}: ${err?.instancePath || '/'} ${err?.message ?? 'invalid'}`,
          {
            file: op.location?.file ?? document.file,
            location: op.location,
            pointer: `${op.pointer}/x-rampart`,
          },
        );
      }
      const policy: RoutePolicy = { ...(fromDoc as RoutePolicy | undefined), ...override };
      for (const base of basePaths(apiConfig, op, document)) {
        const template = joinPath(base, op.path);
        const authenticated = op.security !== undefined && op.security.length > 0;
        const mode = policy.mode ?? config.mode;
        const phases = compilePhases(
          {
            config,
            api: apiConfig,
            document,
            operation: op,
            method,
            template,
            authenticated,
            policy,
            mode,
            services,
          },
          factories,
        );
        const route: CompiledRoute = deepFreezeRoute({
          id: key,
          label: `${api.name}:${key}`,
          api,
          method,
          template,
          operation: op,
          passthrough: false,
          authenticated,
          deprecated: op.deprecated,
          mode,
          maxBodyBytes: policy.maxBodyBytes ?? config.limits.maxBodyBytes,
          timeoutMs: policy.timeoutMs ?? config.upstreams[api.upstream]!.headersTimeoutMs,
          policy: Object.freeze(policy),
          phases,
        });
        try {
          router.add(method, template, route);
        } catch (err) {
          if (err instanceof RouteConflictError) {
            throw new ConfigError(err.message, {
              file: op.location?.file ?? document.file,
              line: op.location?.line,
              column: op.location?.column,
              hint: 'two operations (maybe of two APIs) answer the same method and path',
            });
          }
          throw err;
        }
        routes.push(route);
      }
    }
    for (const key of Object.keys(apiConfig.routes)) {
      if (!used.has(key)) {
        const at = loaded.locate(['apis', i, 'routes', key], true);
        throw new ConfigError(`no operation "${key}" in ${apiConfig.openapi}`, {
          file: loaded.file,
          line: at?.line,
          column: at?.column,
          key: `apis.${i}.routes.${key}`,
          hint: 'use an operationId, or "METHOD /path" exactly as the document writes the path',
        });
      }
    }
    for (const [j, pt] of apiConfig.passthrough.entries()) {
      const prefix = pt.path.endsWith('/*');
      const path = prefix ? pt.path.slice(0, -2) || '/' : pt.path;
      for (const m of pt.methods) {
        if (!METHODS.has(m)) {
          const at = loaded.locate(['apis', i, 'passthrough', j, 'methods']);
          throw new ConfigError(`unknown HTTP method ${m}`, {
            file: loaded.file,
            line: at?.line,
            column: at?.column,
          });
        }
        const route: CompiledRoute = deepFreezeRoute({
          id: `passthrough:${m} ${pt.path}`,
          label: `${api.name}:passthrough`,
          api,
          method: m,
          template: pt.path,
          operation: undefined,
          passthrough: true,
          authenticated: false,
          deprecated: false,
          mode: config.mode,
          maxBodyBytes: config.limits.maxBodyBytes,
          timeoutMs: config.upstreams[api.upstream]!.headersTimeoutMs,
          policy: Object.freeze({}),
          phases: compilePhases(
            {
              config,
              api: apiConfig,
              document,
              operation: undefined,
              method: m,
              template: pt.path,
              authenticated: false,
              policy: {},
              mode: config.mode,
              services,
            },
            factories,
          ),
        });
        if (prefix) router.addPrefix(m, path, route);
        else {
          try {
            router.add(m, path, route);
          } catch {
            // a declared operation on the same path wins over a passthrough entry
            continue;
          }
        }
        routes.push(route);
      }
    }
  }

  const trustedProxies = new BlockList();
  for (const [i, entry] of config.trustedProxies.entries()) addTrusted(trustedProxies, entry, loaded, i);

  const tls: (TlsMaterial | undefined)[] = [];
  for (const [i, l] of config.listeners.entries()) {
    tls.push(l.tls === undefined ? undefined : await readTls(loaded, i, l.tls));
  }

  for (const [name, jwt] of Object.entries(config.auth?.jwt ?? {})) {
    const op = jwt.issuedThrough?.operation;
    if (op === undefined) continue;
    const found = routes.some((r) => {
      const id = r.operation?.operationId;
      return id !== undefined && (id === op || `${r.api.name}:${id}` === op);
    });
    if (!found) {
      throw new ConfigError(`issuedThrough names no operation of the apis: "${op.slice(0, 80)}"`, {
        key: `auth.jwt.${name}.issuedThrough.operation`,
        hint: 'an operationId (or api:operationId) of the login operation',
      });
    }
  }

  const warnings: string[] = [];
  const unauthenticated = routes.filter((r) => r.authenticated && r.phases?.authenticate == null);
  if (unauthenticated.length > 0) {
    const names = unauthenticated.slice(0, 5).map((r) => `${r.method} ${r.template}`);
    warnings.push(
      `${unauthenticated.length} operation(s) declare a security requirement but no authenticator is configured ` +
        `(auth:), so the gateway forwards them without checking credentials: ${names.join(', ')}${unauthenticated.length > 5 ? ', …' : ''}`,
    );
  }

  const keyInQuery = routes.filter((r) => r.policy.apiKeyInQuery === true && r.phases?.authenticate != null);
  if (keyInQuery.length > 0) {
    const names = keyInQuery.slice(0, 5).map((r) => `${r.method} ${r.template}`);
    warnings.push(
      `${keyInQuery.length} operation(s) accept API keys in the query string (apiKeyInQuery), where they end up ` +
        `in access logs, browser history and Referer headers; the gateway removes them before forwarding: ` +
        `${names.join(', ')}${keyInQuery.length > 5 ? ', …' : ''}`,
    );
  }

  return Object.freeze({
    warnings: Object.freeze(warnings),
    loaded,
    config,
    router,
    routes: Object.freeze(routes),
    apis: Object.freeze(apis),
    upstreams: config.upstreams,
    trustedProxies,
    hasTrustedProxies: config.trustedProxies.length > 0,
    tls: Object.freeze(tls),
  });
}

function deepFreezeRoute(route: CompiledRoute): CompiledRoute {
  return Object.freeze(route);
}

async function loadDocument(loaded: LoadedConfig, i: number, api: ApiConfig): Promise<LoadedDocument> {
  try {
    return await loadOpenApi(resolve(loaded.dir, api.openapi));
  } catch (err) {
    if (err instanceof OpenApiError) {
      // the document's own location comes first; the config key says which API it was
      throw new ConfigError(`${err.message} (loading apis.${i}.openapi)`, {});
    }
    throw err;
  }
}

function findOverride(api: ApiConfig, op: Operation, used: Set<string>): RoutePolicy {
  const method = op.method.toUpperCase();
  const keys = [op.operationId, `${method} ${op.path}`];
  let out: RoutePolicy = {};
  for (const k of keys) {
    if (k !== undefined && Object.hasOwn(api.routes, k)) {
      used.add(k);
      out = { ...out, ...api.routes[k] };
    }
  }
  return out;
}

/** The path prefixes the operation is served under: basePath from config, else its servers' paths. */
function basePaths(api: ApiConfig, op: Operation, doc: LoadedDocument): string[] {
  if (api.basePath !== undefined) return [trimSlash(api.basePath)];
  const out = new Set<string>();
  const rootServers = (doc.root.servers ?? []) as {
    url?: string;
    variables?: Record<string, { default?: string }>;
  }[];
  for (const server of op.servers) {
    let url = server.url;
    if (url.includes('{')) {
      const vars = rootServers.find((s) => s.url === url)?.variables ?? {};
      url = url.replace(/\{([^{}]{1,64})\}/g, (_, name: string) => vars[name]?.default ?? '');
    }
    let path: string;
    try {
      path = new URL(url, 'http://relative.invalid').pathname;
    } catch {
      path = '/';
    }
    out.add(trimSlash(decodeURI(path)));
  }
  if (out.size === 0) out.add('');
  return [...out];
}

function trimSlash(p: string): string {
  return p.endsWith('/') ? p.slice(0, -1) : p;
}

function joinPath(base: string, path: string): string {
  const joined = `${base}${path}`;
  return joined === '' ? '/' : joined;
}

function compileCors(cors: CorsConfig): CompiledCors {
  const exact = new Set<string>();
  const wildcards: { scheme: string; suffix: string }[] = [];
  let any = false;
  for (const o of cors.origins) {
    if (o === '*') any = true;
    else if (o.includes('://*.')) {
      const [scheme, host] = o.split('://*') as [string, string];
      wildcards.push({ scheme: `${scheme}://`, suffix: host.toLowerCase() });
    } else exact.add(o.toLowerCase());
  }
  return deepFreeze({
    exact,
    wildcards,
    any,
    credentials: cors.credentials,
    allowHeaders: cors.allowHeaders.map((h) => h.toLowerCase()).join(', '),
    exposeHeaders: cors.exposeHeaders.join(', '),
    maxAge: String(cors.maxAgeSeconds),
  });
}

function addTrusted(list: BlockList, entry: string, loaded: LoadedConfig, i: number): void {
  const [addr, bits] = entry.split('/') as [string, string | undefined];
  const family = isIP(addr);
  const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
  if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
    const at = loaded.locate(['trustedProxies', i]);
    throw new ConfigError(`invalid IP or CIDR "${entry}"`, {
      file: loaded.file,
      line: at?.line,
      column: at?.column,
      key: `trustedProxies.${i}`,
      hint: 'e.g. 10.0.0.0/8 or 192.0.2.10',
    });
  }
  list.addSubnet(addr, prefix, family === 6 ? 'ipv6' : 'ipv4');
}

async function readTls(
  loaded: LoadedConfig,
  i: number,
  tls: NonNullable<RampartConfig['listeners'][number]['tls']>,
): Promise<TlsMaterial> {
  const read = async (key: 'cert' | 'key' | 'ca', file: string): Promise<[Buffer, string]> => {
    const full = resolve(loaded.dir, file);
    try {
      return [await readFile(full), full];
    } catch (err) {
      const at = loaded.locate(['listeners', i, 'tls', key]);
      throw new ConfigError(`cannot read ${key} file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
        file: loaded.file,
        line: at?.line,
        column: at?.column,
        key: `listeners.${i}.tls.${key}`,
      });
    }
  };
  const [cert, certFile] = await read('cert', tls.cert);
  const [key, keyFile] = await read('key', tls.key);
  const ca = tls.ca === undefined ? undefined : await read('ca', tls.ca);
  return {
    cert,
    key,
    ca: ca?.[0],
    passphrase: tls.passphrase,
    files: ca === undefined ? [certFile, keyFile] : [certFile, keyFile, ca[1]],
  };
}
