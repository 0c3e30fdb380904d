/**
 * The scan engine: plans units from the OpenAPI document and the config, authenticates the
 * identities, learns which objects each owns, then runs every check's units in order through the
 * bounded client. Findings are collected, deduplicated and returned; the target can never crash it.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import type { LoadedDocument } from '../openapi/load.ts';
import { listOperations, type Operation } from '../openapi/operations.ts';
import { type Canary, startCanary } from './canary.ts';
import { CHECKS } from './checks/index.ts';
import type { ScanConfig } from './config.ts';
import type { BuildOptions, Check, Identity, Report, ScanContext, ScanPlan } from './context.ts';
import { createRedactor, type Redactor } from './evidence.ts';
import {
  type GraphqlArg,
  graphqlArgs,
  graphqlEndpoints,
  schemaFromIntrospection,
  schemaFromSdl,
} from './graphql.ts';
import {
  BudgetExceededError,
  createScanClient,
  type Exchange,
  type ScanClient,
  type ScanRequest,
  TargetGoneError,
} from './http.ts';
import { decodeJwt } from './jwt.ts';
import {
  findOperation,
  isAdminOperation,
  isLoginOperation,
  isSecured,
  jsonRequestSchema,
  opKey,
  pathParamNames,
} from './ops.ts';
import {
  type CheckMeta,
  type CheckUnit,
  type Finding,
  findingOperation,
  isDestructiveMethod,
} from './types.ts';
import { exampleValue } from './values.ts';

/** The target cannot be scanned (unreachable, not HTTP) or an identity cannot authenticate. */
export class ScanSetupError extends Error {
  override readonly name = 'ScanSetupError';
}

/** One planned unit with the check it belongs to and whether it will run. */
export interface PlannedUnit {
  readonly check: CheckMeta;
  readonly unit: CheckUnit;
  /** Why it will not run (destructive without --allow-destructive), or undefined. */
  readonly skipped: string | undefined;
}

/** Progress of a running scan. */
export interface ScanProgress {
  readonly done: number;
  readonly total: number;
  readonly check: string;
  readonly label: string;
  readonly requests: number;
  readonly findings: number;
}

/** What a scan produced. */
export interface ScanResult {
  readonly target: string;
  readonly spec: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly requests: number;
  readonly findings: readonly Finding[];
  readonly checks: readonly CheckMeta[];
  readonly units: { readonly run: number; readonly skipped: number };
  /** How many responses had each status ('error' for transport failures): shows throttling or blocking. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Why the scan stopped early ('budget' or the target's failure), or undefined. */
  readonly stopped: string | undefined;
  /** Check failures (bugs or unexpected input), reported rather than thrown. */
  readonly errors: readonly string[];
}

/** Options of runScan. */
export interface ScanOptions {
  readonly document: LoadedDocument;
  readonly target: string;
  readonly config: ScanConfig;
  readonly onProgress?: (p: ScanProgress) => void;
}

/** The checks selected by the config (`checks.only`, `checks.exclude`), in run order. */
export function selectedChecks(config: ScanConfig): Check[] {
  return CHECKS.filter(
    (c) => (config.only === undefined || config.only.has(c.meta.id)) && !config.exclude.has(c.meta.id),
  ).sort((a, b) => a.order - b.order);
}

/** Plan a scan without any network: operations in scope and every check's units. */
export function planScan(
  document: LoadedDocument,
  config: ScanConfig,
): { plan: ScanPlan; units: PlannedUnit[] } {
  const all = listOperations(document);
  const operations = all.filter(
    (op) => !config.skip.has(opKey(op)) && !(op.operationId !== undefined && config.skip.has(op.operationId)),
  );
  const loginRef = config.identities.find((i) => i.login !== undefined)?.login?.operation;
  const loginOperation =
    (loginRef !== undefined ? findOperation(all, loginRef) : undefined) ?? all.find(isLoginOperation);
  const plan: ScanPlan = {
    config,
    operations,
    loginOperation,
    graphqlEndpoints: graphqlEndpoints(operations, config.graphql.endpoints),
    isAdmin: (op) => isAdminOperation(op, config.privilegedRoles),
  };
  const units: PlannedUnit[] = [];
  for (const check of selectedChecks(config)) {
    for (const unit of check.units(plan)) {
      const skipped =
        unit.destructive && !config.allowDestructive ? 'destructive: needs --allow-destructive' : undefined;
      units.push({ check: check.meta, unit, skipped });
    }
  }
  return { plan, units };
}

function seedFor(
  config: ScanConfig,
  op: Operation,
  name: string,
  identity: Identity | null,
): string | undefined {
  const keys = op.operationId !== undefined ? [`${op.operationId}.${name}`, name] : [name];
  for (const key of keys) {
    const own = identity?.seeds[key];
    if (own !== undefined) return String(own);
  }
  for (const key of keys) {
    const v = config.seeds.get(key)?.[0];
    if (v !== undefined) return String(v);
  }
  return undefined;
}

function tokenAt(value: unknown, field: string | undefined): string | undefined {
  const paths =
    field !== undefined ? [field] : ['token', 'access_token', 'accessToken', 'jwt', 'id_token', 'data.token'];
  for (const path of paths) {
    let cur: unknown = value;
    for (const seg of path.split('.')) {
      cur =
        typeof cur === 'object' && cur !== null && !Array.isArray(cur)
          ? (cur as Record<string, unknown>)[seg]
          : undefined;
    }
    if (typeof cur === 'string' && cur.length > 0 && cur.length <= 16_384) return cur;
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const SECRET_KEY = /pass|secret|token|key|pin|otp|credential/i;

/** Collect `id` values of objects in a JSON response (top-level arrays and arrays one or two levels down). */
export function collectIds(value: unknown, depth = 0, out: string[] = []): string[] {
  if (depth > 3 || out.length >= 50) return out;
  if (Array.isArray(value)) {
    for (const item of value.slice(0, 50)) {
      if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
        const id = (item as Record<string, unknown>).id;
        if (typeof id === 'string' || typeof id === 'number') out.push(String(id));
      }
    }
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value).slice(0, 50))
      if (Array.isArray(v) || depth < 1) collectIds(v, depth + 1, out);
  }
  return out;
}

const USER_SEGMENT = /^(users?|accounts?|profiles?|members?|customers?|people|persons?)$/i;

class Scan implements ScanContext {
  readonly config: ScanConfig;
  readonly operations: readonly Operation[];
  readonly loginOperation: Operation | undefined;
  readonly isAdmin: (op: Operation) => boolean;
  readonly graphqlEndpoints: readonly Operation[];
  identities: Identity[] = [];
  lowPrivileged: Identity[] = [];
  readonly canary: Canary;
  readonly target: URL;
  readonly all: readonly Operation[];
  readonly findings = new Map<string, Finding>();
  private readonly client: ScanClient;
  private readonly redactor: Redactor;
  private readonly baselines = new Map<string, Promise<Exchange | undefined>>();
  private readonly graphql = new Map<string, Promise<readonly GraphqlArg[]>>();
  private readonly documentFile: string;

  constructor(
    plan: ScanPlan,
    target: URL,
    all: readonly Operation[],
    client: ScanClient,
    canary: Canary,
    redactor: Redactor,
    documentFile: string,
  ) {
    this.config = plan.config;
    this.graphqlEndpoints = plan.graphqlEndpoints;
    this.documentFile = documentFile;
    this.target = target;
    this.operations = plan.operations;
    this.loginOperation = plan.loginOperation;
    this.isAdmin = plan.isAdmin;
    this.all = all;
    this.client = client;
    this.canary = canary;
    this.redactor = redactor;
  }

  readonly statuses = new Map<string, number>();

  async send(req: ScanRequest, options?: { timeoutMs?: number }): Promise<Exchange> {
    const ex = await this.client.send(req, options);
    const key = ex.response === null ? 'error' : String(ex.response.status);
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
    return ex;
  }

  requests(): number {
    return this.client.sent();
  }

  ownedBy(op: Operation, identity: Identity): Record<string, string> | undefined {
    const names = pathParamNames(op);
    if (names.length === 0) return undefined;
    const out: Record<string, string> = {};
    const owned = identity.owned.get(op.path);
    for (const [i, name] of names.entries()) {
      const fromSeeds =
        op.operationId !== undefined ? identity.seeds[`${op.operationId}.${name}`] : undefined;
      const v = fromSeeds ?? identity.seeds[name] ?? (i === names.length - 1 ? owned?.[0] : undefined);
      if (v === undefined) return undefined;
      out[name] = String(v);
    }
    return out;
  }

  private anyValue(op: Operation, name: string, identity: Identity | null): string | undefined {
    const seeded = seedFor(this.config, op, name, identity);
    if (seeded !== undefined) return seeded;
    for (const id of this.identities) {
      const v = id.owned.get(op.path)?.[0];
      if (v !== undefined) return v;
    }
    return undefined;
  }

  build(op: Operation, o: BuildOptions): ScanRequest | undefined {
    const owned = o.identity !== null ? this.ownedBy(op, o.identity) : undefined;
    let path = op.path;
    for (const name of pathParamNames(op)) {
      const v = o.path?.[name] ?? owned?.[name] ?? this.anyValue(op, name, o.identity);
      if (v === undefined) return undefined;
      path = path.replace(`{${name}}`, encodeURIComponent(v));
    }
    const query = new URLSearchParams();
    for (const p of op.parameters) {
      if (p.in !== 'query') continue;
      const given = o.query?.[p.name];
      if (given !== undefined) query.set(p.name, given);
      else if (p.required)
        query.set(
          p.name,
          seedFor(this.config, op, p.name, o.identity) ?? String(exampleValue(p.schema, p.name)),
        );
    }
    for (const [k, v] of Object.entries(o.query ?? {})) if (!query.has(k)) query.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'rampart-scan' };
    for (const p of op.parameters) {
      if (p.in === 'header' && p.required && !/^(authorization|cookie|content-type|accept)$/i.test(p.name)) {
        headers[p.name.toLowerCase()] = String(exampleValue(p.schema, p.name));
      }
    }
    if (o.identity !== null && o.withoutCredentials !== true) {
      Object.assign(headers, o.identity.headers);
      for (const [k, v] of o.identity.query) query.set(k, v);
    }
    let body: string | Buffer | undefined;
    const schema = jsonRequestSchema(op);
    let value = o.body;
    if (value === undefined && schema !== undefined) {
      value =
        op === this.loginOperation
          ? (o.identity?.loginBody ?? this.identities.find((i) => i.loginBody)?.loginBody)
          : undefined;
      value ??= exampleValue(schema);
    }
    if (value !== undefined) {
      body = typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value);
      headers['content-type'] = 'application/json';
    }
    Object.assign(headers, o.headers);
    const qs = query.toString();
    return {
      method: o.method ?? op.method.toUpperCase(),
      path: qs === '' ? path : `${path}?${qs}`,
      headers,
      ...(body === undefined ? {} : { body }),
      identity: o.withoutCredentials === true ? null : (o.identity?.name ?? null),
    };
  }

  baseline(op: Operation, identity: Identity | null): Promise<Exchange | undefined> {
    const key = `${opKey(op)}\0${identity?.name ?? ''}`;
    let cached = this.baselines.get(key);
    if (cached === undefined) {
      const req = this.build(op, { identity });
      cached = req === undefined ? Promise.resolve(undefined) : this.send(req);
      this.baselines.set(key, cached);
    }
    return cached;
  }

  evidence(exchange: Exchange, note?: string) {
    return this.redactor.evidence(exchange, note);
  }

  secret(value: string): void {
    this.redactor.add(value);
  }

  graphqlArgs(op: Operation): Promise<readonly GraphqlArg[]> {
    let cached = this.graphql.get(opKey(op));
    if (cached === undefined) {
      cached = this.deriveGraphql(op);
      this.graphql.set(opKey(op), cached);
    }
    return cached;
  }

  // The schema: the config's SDL, else introspection (when allowed and answered), else the SDL the
  // document names in x-rampart.graphql.schema; then one injection point per string-like argument.
  private async deriveGraphql(op: Operation): Promise<readonly GraphqlArg[]> {
    const g = this.config.graphql;
    let schema = g.sdl !== undefined ? schemaFromSdl(g.sdl) : undefined;
    if (schema === undefined && g.introspection) {
      const query = getIntrospectionQuery({ descriptions: false });
      const identity = isSecured(op) ? (this.lowPrivileged[0] ?? this.identities[0] ?? null) : null;
      const req =
        op.method === 'get'
          ? this.build(op, { identity, query: { query } })
          : this.build(op, { identity, body: { query } });
      if (req !== undefined) {
        const ex = await this.send(req);
        if (ex.response !== null && !ex.response.truncated)
          schema = schemaFromIntrospection(parseJson(ex.response.body));
      }
    }
    if (schema === undefined) {
      const ext = op.extensions['x-rampart'] as { graphql?: { schema?: unknown } } | undefined;
      const file = ext?.graphql?.schema;
      if (typeof file === 'string' && file !== 'introspect' && file.length <= 1024) {
        const sdl = await readFile(resolve(dirname(resolve(this.documentFile)), file), 'utf8').catch(
          () => undefined,
        );
        if (sdl !== undefined) schema = schemaFromSdl(sdl);
      }
    }
    return schema === undefined
      ? []
      : graphqlArgs(schema, { mutations: this.config.allowDestructive, max: g.maxOperations });
  }

  report(meta: CheckMeta, r: Report): void {
    const opName = r.op === null ? '*' : (r.op.operationId ?? opKey(r.op));
    const id = `${meta.id}:${opName}${r.key !== undefined ? `:${r.key}` : ''}`;
    if (this.findings.has(id)) return;
    this.findings.set(id, {
      id,
      checkId: meta.id,
      title: meta.title,
      category: meta.category,
      cwe: meta.cwe,
      severity: r.severity ?? meta.severity,
      severityReason: meta.severityReason,
      operation: findingOperation(r.op),
      message: this.redactor.text(r.message),
      evidence: r.evidence,
      remediation: meta.remediation,
    });
  }

  async authenticate(): Promise<void> {
    for (const cfg of this.config.identities) {
      const headers: Record<string, string> = {};
      const query: [string, string][] = [];
      let token: string | undefined;
      let loginBody: Record<string, unknown> | undefined;
      if (cfg.bearer !== undefined) token = cfg.bearer;
      if (cfg.apiKey !== undefined) {
        this.redactor.add(cfg.apiKey.value);
        if (cfg.apiKey.in === 'header') {
          headers[cfg.apiKey.name.toLowerCase()] = cfg.apiKey.value;
          this.redactor.addHeader(cfg.apiKey.name);
        } else if (cfg.apiKey.in === 'query') query.push([cfg.apiKey.name, cfg.apiKey.value]);
        else headers.cookie = `${cfg.apiKey.name}=${cfg.apiKey.value}`;
      }
      if (cfg.login !== undefined) {
        loginBody = cfg.login.body;
        for (const [k, v] of Object.entries(loginBody))
          if (SECRET_KEY.test(k) && typeof v === 'string') this.redactor.add(v);
        const op = findOperation(this.all, cfg.login.operation);
        if (op === undefined)
          throw new ScanSetupError(
            `identity '${cfg.name}': no operation '${cfg.login.operation}' in the document`,
          );
        const req = this.build(op, { identity: null, body: loginBody });
        if (req === undefined)
          throw new ScanSetupError(`identity '${cfg.name}': the login operation needs path parameters`);
        const ex = await this.send(req);
        if (ex.response === null)
          throw new ScanSetupError(`identity '${cfg.name}': login failed: ${ex.error ?? 'no response'}`);
        if (ex.response.status < 200 || ex.response.status > 299) {
          throw new ScanSetupError(
            `identity '${cfg.name}': login answered ${ex.response.status} (check the credentials)`,
          );
        }
        token = tokenAt(parseJson(ex.response.body), cfg.login.tokenField);
        if (token === undefined) {
          throw new ScanSetupError(
            `identity '${cfg.name}': no token in the login response (set login.tokenField)`,
          );
        }
      }
      if (token !== undefined) {
        this.redactor.add(token);
        headers.authorization = `Bearer ${token}`;
      }
      const identity: Identity = {
        name: cfg.name,
        role: cfg.role,
        privileged: this.config.privilegedRoles.includes(cfg.role),
        headers,
        query,
        token,
        jwt: token !== undefined ? decodeJwt(token) : undefined,
        loginBody,
        owned: new Map(),
        seeds: cfg.seeds ?? {},
      };
      this.identities.push(identity);
    }
    this.lowPrivileged = this.identities.filter((i) => !i.privileged);
  }

  /** Learn owned objects: the token's subject for user-like paths, ids listed by collection GETs, and objects each identity creates. */
  async discover(): Promise<void> {
    const itemOps = this.all.filter((op) => pathParamNames(op).length === 1 && op.path.endsWith('}'));
    for (const identity of this.identities) {
      const sub = identity.jwt?.payload.sub;
      if (typeof sub === 'string' || typeof sub === 'number') {
        for (const op of itemOps) {
          const segments = op.path.split('/');
          const before = segments[segments.length - 2] ?? '';
          if (USER_SEGMENT.test(before)) identity.owned.set(op.path, [String(sub)]);
        }
      }
    }
    const lists = this.operations.filter(
      (op) =>
        op.method === 'get' &&
        pathParamNames(op).length === 0 &&
        itemOps.some((i) => i.path.startsWith(`${op.path}/{`)),
    );
    for (const list of lists) {
      for (const identity of this.identities) {
        const ex = await this.baseline(list, identity);
        if (ex?.response === null || ex === undefined || ex.response.status >= 300) continue;
        const ids = collectIds(parseJson(ex.response.body));
        if (ids.length === 0) continue;
        for (const op of itemOps) {
          if (op.path.startsWith(`${list.path}/{`) && !identity.owned.has(op.path))
            identity.owned.set(op.path, ids);
        }
      }
    }
    // Where nothing is known yet: each identity creates one object through a collection POST whose
    // items the document serves, so that BOLA has an object of A's to try as B.
    const creates = this.operations.filter(
      (op) =>
        op.method === 'post' &&
        op !== this.loginOperation &&
        !this.isAdmin(op) &&
        pathParamNames(op).length === 0 &&
        jsonRequestSchema(op) !== undefined &&
        itemOps.some((i) => i.path.startsWith(`${op.path}/{`)),
    );
    for (const create of creates) {
      const items = itemOps.filter((i) => i.path.startsWith(`${create.path}/{`));
      for (const identity of this.identities) {
        if (items.every((i) => identity.owned.has(i.path))) continue;
        const req = this.build(create, { identity });
        const id = req === undefined ? undefined : createdId(await this.send(req));
        if (id === undefined) continue;
        for (const i of items) if (!identity.owned.has(i.path)) identity.owned.set(i.path, [id]);
      }
    }
  }
}

/** The id of a created object: `id` (or `data.id`) of a 2xx JSON answer, else the Location header's last segment. */
export function createdId(ex: Exchange): string | undefined {
  const res = ex.response;
  if (res === null || res.status < 200 || res.status > 299) return undefined;
  const body = parseJson(res.body) as { id?: unknown; data?: { id?: unknown } } | undefined;
  for (const v of [body?.id, body?.data?.id]) {
    if (
      (typeof v === 'string' && v.length > 0 && v.length <= 200) ||
      (typeof v === 'number' && Number.isFinite(v))
    )
      return String(v);
  }
  const location = res.headers.location;
  const last = location
    ?.split('?')[0]
    ?.split('/')
    .filter((x) => x !== '')
    .at(-1);
  if (last === undefined || last.length > 200) return undefined;
  try {
    return decodeURIComponent(last);
  } catch {
    return undefined;
  }
}

async function probeTarget(client: ScanClient, plan: ScanPlan): Promise<void> {
  const health = plan.operations.find(
    (op) => op.method === 'get' && pathParamNames(op).length === 0 && !isDestructiveMethod(op.method),
  );
  const ex = await client.send({
    method: 'GET',
    path: health?.path ?? '/',
    headers: { 'user-agent': 'rampart-scan' },
  });
  if (ex.response === null) {
    throw new ScanSetupError(`cannot reach the target ${client.origin}: ${ex.error ?? 'no response'}`);
  }
}

/** Run a full scan. Throws ScanSetupError when the target cannot be scanned at all. */
export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const { config } = options;
  let target: URL;
  try {
    target = new URL(options.target);
  } catch {
    throw new ScanSetupError(`the target '${options.target.slice(0, 200)}' is not a URL`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new ScanSetupError('the target must be http:// or https://');
  const { plan, units } = planScan(options.document, config);
  const all = listOperations(options.document);
  // The time-based injection probes must fit in one request's timeout, with room for the baseline.
  const timeoutMs = Math.max(config.timeoutMs, config.delaySeconds * 1000 * 2 + 2000);
  const client = createScanClient({
    target,
    rate: config.rate,
    maxRequests: config.maxRequests,
    timeoutMs,
    maxResponseBytes: config.maxResponseBytes,
  });
  const canary = await startCanary();
  const redactor = createRedactor();
  const scan = new Scan(plan, target, all, client, canary, redactor, options.document.file);
  const errors: string[] = [];
  let stopped: string | undefined;
  let ran = 0;
  const runnable = units.filter((u) => u.skipped === undefined);
  try {
    try {
      await probeTarget(client, plan);
    } catch (err) {
      if (err instanceof TargetGoneError || err instanceof BudgetExceededError)
        throw new ScanSetupError(err.message);
      throw err;
    }
    await scan.authenticate();
    await scan.discover();
    const byId = new Map(CHECKS.map((c) => [c.meta.id, c]));
    for (const planned of runnable) {
      const check = byId.get(planned.check.id) as Check;
      options.onProgress?.({
        done: ran,
        total: runnable.length,
        check: check.meta.id,
        label: planned.unit.label,
        requests: scan.requests(),
        findings: scan.findings.size,
      });
      try {
        await check.run(planned.unit, scan);
      } catch (err) {
        if (err instanceof BudgetExceededError) {
          stopped = `budget: ${err.message}`;
          break;
        }
        if (err instanceof TargetGoneError) {
          stopped = err.message;
          break;
        }
        errors.push(
          `${check.meta.id} (${planned.unit.label}): ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      ran++;
    }
    options.onProgress?.({
      done: ran,
      total: runnable.length,
      check: '',
      label: 'done',
      requests: scan.requests(),
      findings: scan.findings.size,
    });
  } catch (err) {
    if (err instanceof BudgetExceededError)
      throw new ScanSetupError(`the request budget ran out during set-up: ${err.message}`);
    if (err instanceof TargetGoneError) throw new ScanSetupError(err.message);
    throw err;
  } finally {
    await canary.close();
    await client.close();
  }
  return {
    target: target.href,
    spec: options.document.file,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    requests: client.sent(),
    findings: [...scan.findings.values()],
    checks: selectedChecks(config).map((c) => c.meta),
    units: { run: ran, skipped: units.length - runnable.length },
    statuses: Object.fromEntries([...scan.statuses].sort((a, b) => a[0].localeCompare(b[0]))),
    stopped,
    errors,
  };
}
