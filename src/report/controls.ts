/**
 * The controls in force on each route, read from the compiled plan: what the gateway would run (the
 * policies compiled for the route, with their modes), not what the config seems to say.
 */
import { isIP } from 'node:net';
import { basename } from 'node:path';
import type { ApiConfig, RampartConfig } from '../config/schema.ts';
import type { PhaseEntry, PhaseName } from '../gateway/pipeline.ts';
import type { CompiledRoute, Plan } from '../gateway/plan.ts';
import type { ControlId, ControlState, ControlStatus } from './types.ts';

/** Where a route's own settings live: its `apis[].routes` entry, its `x-rampart`, or neither. */
interface RouteSource {
  readonly apiIndex: number;
  readonly api: Readonly<ApiConfig>;
  /** `apis.0.routes.getUser`: where a route setting belongs (used for remediation). */
  readonly configPath: string;
  readonly configEntry: Readonly<Record<string, unknown>> | undefined;
  readonly docEntry: Readonly<Record<string, unknown>> | undefined;
}

function at(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, k)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function routeSource(config: Readonly<RampartConfig>, route: CompiledRoute): RouteSource {
  const apiIndex = Math.max(
    0,
    config.apis.findIndex((a) => a.name === route.api.name),
  );
  const api = config.apis[apiIndex]!;
  const op = route.operation;
  let key = route.id;
  let configEntry: Record<string, unknown> | undefined;
  if (op !== undefined) {
    for (const k of [op.operationId, `${route.method} ${op.path}`]) {
      if (k !== undefined && Object.hasOwn(api.routes, k)) {
        key = k;
        configEntry = api.routes[k] as Record<string, unknown>;
        break;
      }
    }
    if (configEntry === undefined) key = op.operationId ?? `${route.method} ${op.path}`;
  }
  const doc = op?.extensions['x-rampart'];
  return {
    apiIndex,
    api,
    configPath: `apis.${apiIndex}.routes.${key}`,
    configEntry,
    docEntry: doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>) : undefined,
  };
}

/** The config key that sets a route value: its routes entry, else its x-rampart, else undefined. */
function routeKeyPath(src: RouteSource, route: CompiledRoute, path: readonly string[]): string | undefined {
  if (at(src.configEntry, path) !== undefined) return `${src.configPath}.${path.join('.')}`;
  if (at(src.docEntry, path) !== undefined) return `x-rampart.${path.join('.')} of ${route.id}`;
  return undefined;
}

/** The key that decided a policy's mode: the route's own, the route's mode, the section's, then `mode`. */
function modeSetting(
  config: Readonly<RampartConfig>,
  src: RouteSource,
  route: CompiledRoute,
  routeSub: string | null,
  section: string | null,
): string {
  if (routeSub !== null) {
    const own = routeKeyPath(src, route, [routeSub, 'mode']);
    if (own !== undefined) return own;
  }
  const routeMode = routeKeyPath(src, route, ['mode']);
  if (routeMode !== undefined) return routeMode;
  if (section !== null && at(config, [section, 'mode']) !== undefined) return `${section}.mode`;
  return 'mode';
}

function entry(route: CompiledRoute, phase: PhaseName, ...names: string[]): PhaseEntry | undefined {
  return route.phases?.[phase]?.find((e) => names.includes(e.name));
}

/** 10485760 → "10 MiB": sizes as people write them. */
function bytes(n: number): string {
  for (const [unit, size] of [
    ['GiB', 1_073_741_824],
    ['MiB', 1_048_576],
    ['KiB', 1024],
  ] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} bytes`;
}

function status(control: ControlId, state: ControlState, detail: string, setting: string): ControlStatus {
  return { control, state, detail, setting };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** The kind of authenticator each security scheme name is configured as. */
function schemeKinds(config: Readonly<RampartConfig>): Map<string, string> {
  const out = new Map<string, string>();
  const auth = config.auth;
  if (auth === undefined) return out;
  for (const n of Object.keys(auth.apiKeys)) out.set(n, 'api key');
  for (const n of Object.keys(auth.jwt)) out.set(n, 'jwt');
  for (const n of Object.keys(auth.introspection)) out.set(n, 'oauth2 introspection');
  for (const n of Object.keys(auth.mtls)) out.set(n, 'mtls');
  return out;
}

/** True when the route is an admin function (the same rule the authorize policy applies). */
export function isAdminRoute(config: Readonly<RampartConfig>, route: CompiledRoute): boolean {
  if (route.policy.admin !== undefined) return route.policy.admin;
  const tags = config.auth?.admin.tags ?? ['admin'];
  const segments = config.auth?.admin.pathSegments ?? ['admin'];
  if (route.operation?.tags.some((t) => tags.includes(t)) === true) return true;
  return route.template.split('/').some((s) => segments.includes(s));
}

/** True when the route addresses one object by a path parameter (where BOLA lives). */
export function isObjectRoute(route: CompiledRoute): boolean {
  return route.authenticated && !route.passthrough && route.template.includes('{');
}

function rateDetail(rule: unknown): string {
  const rules = (Array.isArray(rule) ? rule : [rule]) as {
    limit: number;
    windowSeconds: number;
    by?: string[];
  }[];
  return rules.map((r) => `${r.limit}/${r.windowSeconds}s by ${(r.by ?? ['consumer']).join('+')}`).join(', ');
}

function tlsStatus(config: Readonly<RampartConfig>, route: CompiledRoute): ControlStatus {
  const ls = config.listeners;
  const secure = ls.filter((l) => l.tls !== undefined || l.redirectToHttps !== undefined).length;
  const plainIndex = ls.findIndex((l) => l.tls === undefined && l.redirectToHttps === undefined);
  const upstream = config.upstreams[route.api.upstream];
  let upstreamPlain = false;
  if (upstream !== undefined) {
    try {
      const u = new URL(upstream.url);
      upstreamPlain = u.protocol === 'http:' && !isLoopback(u.hostname.replace(/^\[|\]$/g, ''));
    } catch {
      upstreamPlain = false;
    }
  }
  const minVersions = [...new Set(ls.flatMap((l) => (l.tls ? [l.tls.minVersion] : [])))].join('/');
  const listeners = `${secure} of ${ls.length} listener${ls.length === 1 ? '' : 's'} HTTPS or redirecting${minVersions ? ` (${minVersions}+)` : ''}`;
  const upstreamNote = upstreamPlain ? `; upstream ${route.api.upstream} over plain HTTP` : '';
  if (secure === 0)
    return status(
      'tls',
      'off',
      `no HTTPS listener${upstreamNote}`,
      `listeners.${Math.max(plainIndex, 0)}.tls`,
    );
  if (secure < ls.length)
    return status('tls', 'partial', `${listeners}${upstreamNote}`, `listeners.${plainIndex}.tls`);
  if (upstreamPlain)
    return status('tls', 'partial', `${listeners}${upstreamNote}`, `upstreams.${route.api.upstream}.url`);
  return status('tls', 'enforce', listeners, 'listeners');
}

function loggingStatus(config: Readonly<RampartConfig>): ControlStatus {
  const access = config.log.access;
  const events = config.events.enabled;
  if (access && events)
    return status('logging', 'enforce', 'access log and security events', 'events.enabled');
  if (events) return status('logging', 'partial', 'security events, no access log', 'log.access');
  if (access) return status('logging', 'partial', 'access log only, no security events', 'events.enabled');
  return status('logging', 'off', 'no access log, no security events', 'events.enabled');
}

/** Every control of one route, in CONTROL_IDS order. */
export function routeControls(plan: Plan, route: CompiledRoute): ControlStatus[] {
  const config = plan.config;
  const src = routeSource(config, route);
  const base = src.configPath;
  const out: ControlStatus[] = [];
  const docName = basename(src.api.openapi);
  const pt = `apis.${src.apiIndex}.passthrough`;

  // inventory: deny by default holds for declared operations; passthrough forwards undeclared traffic
  if (route.passthrough)
    out.push(status('inventory', 'off', 'passthrough: undeclared traffic forwarded', pt));
  else if (route.deprecated)
    out.push(
      status(
        'inventory',
        'partial',
        `deprecated in ${docName}, still served`,
        `apis.${src.apiIndex}.openapi`,
      ),
    );
  else out.push(status('inventory', 'enforce', `declared in ${docName}`, `apis.${src.apiIndex}.openapi`));

  // authentication
  const authn = entry(route, 'authenticate', 'authenticate');
  const security = route.operation?.security ?? [];
  if (route.passthrough) out.push(status('authentication', 'off', 'passthrough: not authenticated', pt));
  else if (!route.authenticated)
    out.push(
      status('authentication', 'n/a', 'public operation (security: [])', `apis.${src.apiIndex}.openapi`),
    );
  else if (authn === undefined)
    out.push(status('authentication', 'off', 'security declared but no authenticator configured', 'auth'));
  else {
    const kinds = schemeKinds(config);
    const names = [...new Set(security.flatMap((r) => Object.keys(r)))];
    const detail = names.map((n) => `${kinds.get(n) ?? 'unknown'} (${n})`).join(', ');
    const optional = security.some((r) => Object.keys(r).length === 0);
    out.push(
      status(
        'authentication',
        optional ? 'partial' : authn.mode,
        optional ? `${detail}; credentials optional ({} in security)` : detail,
        optional ? `apis.${src.apiIndex}.openapi` : modeSetting(config, src, route, null, null),
      ),
    );
  }

  // authorization (function level) and ownership (object level) share the authorize policy
  const authz = entry(route, 'authorize', 'authorize');
  const admin = isAdminRoute(config, route);
  const scopes = [...new Set(security.flatMap((r) => Object.values(r).flat()))];
  const rules: string[] = [];
  if (scopes.length > 0) rules.push(`scopes ${scopes.join(' ')}`);
  if (route.policy.roles !== undefined) rules.push(`roles ${route.policy.roles.join(' ')}`);
  if (admin) rules.push(`admin role (${config.auth?.admin.role ?? 'admin'})`);
  if (!route.authenticated || route.passthrough)
    out.push(
      route.passthrough
        ? status('authorization', 'off', 'passthrough: no caller identity', pt)
        : status('authorization', 'n/a', 'public operation: no caller identity', `${base}.roles`),
    );
  else if (authz !== undefined && rules.length > 0)
    out.push(
      status('authorization', authz.mode, rules.join('; '), modeSetting(config, src, route, null, null)),
    );
  else
    out.push(
      status(
        'authorization',
        'off',
        rules.length > 0 ? `${rules.join('; ')} declared, not enforced` : 'any authenticated caller',
        `${base}.roles`,
      ),
    );

  const own = route.policy.ownership as
    | { param?: string; responseField?: string; lookup?: unknown; claim?: string }
    | undefined;
  if (!isObjectRoute(route))
    out.push(status('ownership', 'n/a', 'no object id in the path', `${base}.ownership`));
  else if (authz !== undefined && own !== undefined) {
    const how =
      own.param !== undefined
        ? `path {${own.param}}`
        : own.responseField !== undefined
          ? `response field ${own.responseField}`
          : 'upstream lookup';
    out.push(
      status(
        'ownership',
        authz.mode,
        `${how} = claim ${own.claim ?? 'sub'}`,
        modeSetting(config, src, route, null, null),
      ),
    );
  } else if (authz !== undefined && admin)
    out.push(
      status('ownership', authz.mode, 'admin-only function', modeSetting(config, src, route, null, null)),
    );
  else out.push(status('ownership', 'off', 'no ownership rule', `${base}.ownership`));

  // rate limits
  const rl = entry(route, 'rateLimit', 'ratelimit');
  if (rl !== undefined) {
    const rule = route.policy.rateLimit ?? config.rateLimit.default;
    const extra = [route.policy.quota ? 'quota' : '', route.policy.concurrency ? 'concurrency' : '']
      .filter((s) => s !== '')
      .join(', ');
    const detail = [Array.isArray(rule) && rule.length === 0 ? '' : rateDetail(rule), extra]
      .filter((s) => s !== '')
      .join('; ');
    out.push(status('rateLimit', rl.mode, detail || 'limits', modeSetting(config, src, route, null, null)));
  } else out.push(status('rateLimit', 'off', 'no rate limit', 'rateLimit.default'));

  // brute force: the login counts failures; authenticated routes count 401s per IP
  const login = entry(route, 'rateLimit', 'bruteforce-login');
  const gate = entry(route, 'clientGate', 'bruteforce');
  const bf = config.bruteForce;
  if (route.policy.login !== undefined) {
    if (login !== undefined)
      out.push(
        status(
          'bruteForce',
          login.mode,
          `lockout after ${bf.maxFailures} failures per username, ${bf.maxFailuresPerIp} per IP`,
          modeSetting(config, src, route, null, null),
        ),
      );
    else out.push(status('bruteForce', 'off', 'login not protected', 'bruteForce.enabled'));
  } else if (route.authenticated && !route.passthrough) {
    if (gate !== undefined)
      out.push(
        status(
          'bruteForce',
          gate.mode,
          `401s counted per IP (lockout after ${bf.maxFailuresPerIp})`,
          modeSetting(config, src, route, null, null),
        ),
      );
    else
      out.push(status('bruteForce', 'off', 'failed authentications not counted', 'bruteForce.authFailures'));
  } else out.push(status('bruteForce', 'n/a', 'not a login', `${base}.login`));

  // size and count limits
  const lim = entry(route, 'validate', 'resource-limits');
  out.push(
    lim !== undefined
      ? status(
          'resourceLimits',
          lim.mode,
          `body ≤ ${bytes(route.maxBodyBytes)}, ≤ ${route.policy.maxQueryParams ?? config.limits.maxQueryParams} query parameters`,
          modeSetting(config, src, route, null, null),
        )
      : status(
          'resourceLimits',
          'partial',
          `body ≤ ${bytes(route.maxBodyBytes)} (listener limits only)`,
          'limits',
        ),
  );

  // request validation
  const val = entry(route, 'validate', 'validate');
  if (val !== undefined) {
    const unknown = route.policy.validate?.unknownProperties ?? config.validation.unknownProperties;
    out.push(
      status(
        'validation',
        val.mode,
        `against ${docName}; unknown properties ${unknown}`,
        modeSetting(config, src, route, 'validate', 'validation'),
      ),
    );
  } else if (route.passthrough) out.push(status('validation', 'off', 'passthrough: no document', pt));
  else
    out.push(
      status(
        'validation',
        'off',
        'not validated',
        routeKeyPath(src, route, ['validate', 'enabled']) ?? 'validation.enabled',
      ),
    );

  // injection inspection (and GraphQL limits, which run in the same phase)
  const ins = entry(route, 'inspect', 'inspect');
  const gql = entry(route, 'inspect', 'graphql');
  if (ins !== undefined) {
    const kinds = route.policy.inspect?.kinds ?? config.inspection.kinds;
    out.push(
      status(
        'inspection',
        ins.mode,
        `${kinds.length} detectors (${kinds.join(', ')})${gql ? '; GraphQL limits' : ''}`,
        modeSetting(config, src, route, 'inspect', 'inspection'),
      ),
    );
  } else
    out.push(
      status(
        'inspection',
        'off',
        gql ? 'GraphQL limits only, no injection detectors' : 'not inspected',
        routeKeyPath(src, route, ['inspect', 'enabled']) ?? 'inspection.enabled',
      ),
    );

  // response filtering
  const res = entry(route, 'inspect', 'response');
  if (res !== undefined) {
    const masking = Object.keys(config.response.masking?.types ?? {}).length;
    out.push(
      status(
        'responseFiltering',
        res.mode,
        `schema allowlist, error sanitizing${masking > 0 ? `, masking of ${masking} data types` : ''}`,
        modeSetting(config, src, route, 'response', 'response'),
      ),
    );
  } else
    out.push(
      status(
        'responseFiltering',
        'off',
        'responses not filtered',
        routeKeyPath(src, route, ['response', 'enabled']) ?? 'response.enabled',
      ),
    );

  out.push(tlsStatus(config, route));
  out.push(loggingStatus(config));
  return out;
}

const TURN_ON: Readonly<Record<ControlId, (setting: string) => string>> = {
  inventory: (k) => `declare the operations in the OpenAPI document and remove the passthrough entry ${k}`,
  authentication: (k) =>
    k === 'auth'
      ? 'configure an authenticator for the security scheme under auth.jwt, auth.apiKeys, auth.introspection or auth.mtls'
      : `require credentials: give the operation a security requirement without {} (${k})`,
  authorization: (k) => `set ${k} (or scopes in the operation's security, or admin: true)`,
  ownership: (k) => `set ${k}: { param: <id parameter>, claim: sub } (or responseField / lookup)`,
  rateLimit: (k) =>
    `set ${k} (e.g. [{ limit: 100, windowSeconds: 60, by: [consumer] }]) or the route's rateLimit`,
  bruteForce: (k) => `set ${k}: true (and login: { usernameField } on the login route)`,
  resourceLimits: (k) => `set ${k} (maxBodyBytes, maxQueryParams, pagination)`,
  validation: (k) => `set ${k}: true`,
  inspection: (k) => `set ${k}: true`,
  responseFiltering: (k) => `set ${k}: true`,
  tls: (k) => `set ${k} (cert and key) or redirectToHttps, and use https:// upstreams off the host`,
  logging: (k) => `set ${k}: true (security events) and log.access: true`,
};

/** What to change so that a control on a route is enforced, naming the config key. */
export function remediationFor(s: ControlStatus): string | null {
  if (s.state === 'monitor') return `set ${s.setting}: enforce`;
  if (s.state === 'off' || s.state === 'partial') return TURN_ON[s.control](s.setting);
  return null;
}
