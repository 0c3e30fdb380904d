/** The scan config file (YAML or JSON): identities, seeds, skips, budget and limits, validated with file:line errors. */
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import type { ErrorObject } from 'ajv';
import { Ajv } from 'ajv';
import { formatLocation, OpenApiError, type SourceLocation } from '../openapi/errors.ts';
import { parseSource, type SourceFile } from '../openapi/source.ts';
import { sdlProblem } from './graphql.ts';

const MAX_CONFIG_BYTES = 256 * 1024;
const Name = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$' });
const Str = Type.String({ minLength: 1, maxLength: 4096 });

const Login = Type.Object(
  {
    /** operationId, or `METHOD /path` of the login operation. */
    operation: Str,
    /** The JSON body to send (credentials). */
    body: Type.Record(Type.String(), Type.Unknown()),
    /** Dotted path of the token in the JSON response. */
    tokenField: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_]{1,64}(\\.[A-Za-z0-9_]{1,64}){0,5}$' })),
  },
  { additionalProperties: false },
);

const ApiKey = Type.Object(
  {
    in: Type.Union([Type.Literal('header'), Type.Literal('query'), Type.Literal('cookie')]),
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    value: Str,
  },
  { additionalProperties: false },
);

const Identity = Type.Object(
  {
    name: Name,
    role: Type.String({ minLength: 1, maxLength: 64 }),
    bearer: Type.Optional(Str),
    apiKey: Type.Optional(ApiKey),
    login: Type.Optional(Login),
    /** Path or query parameter values of objects this identity owns, by parameter name or `operationId.param`. */
    seeds: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
  },
  { additionalProperties: false },
);

const GraphqlSettings = Type.Object(
  {
    /** Endpoint paths (POST JSON) in addition to the GraphQL-looking operations of the document. */
    endpoints: Type.Optional(Type.Array(Type.String({ pattern: '^/[^\\s?#]{0,1024}$' }), { maxItems: 10 })),
    /** A schema SDL file (relative to the scan config): used instead of introspection. */
    schema: Type.Optional(Str),
    /** Ask each endpoint for its schema by introspection when no SDL is given (default true). */
    introspection: Type.Optional(Type.Boolean()),
    /** At most this many argument injection points per endpoint (default 40). */
    maxOperations: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);

const JwkObject = Type.Record(Type.String(), Type.Unknown());
/** A JWKS: a file (JSON, relative to the scan config) or inline `{ keys: [...] }`. */
const JwksSetting = Type.Union([
  Str,
  Type.Object(
    { keys: Type.Array(JwkObject, { minItems: 1, maxItems: 50 }) },
    { additionalProperties: false },
  ),
]);

const Seed = Type.Union([Type.String({ maxLength: 1024 }), Type.Number()]);

/** The scan config schema (TypeBox); the TypeScript type is derived from it. */
export const ScanConfigSchema = Type.Object(
  {
    target: Type.Optional(Type.String({ pattern: '^https?://' })),
    spec: Type.Optional(Str),
    identities: Type.Array(Identity, { minItems: 1, maxItems: 10 }),
    privilegedRoles: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 20 })),
    seeds: Type.Optional(Type.Record(Type.String(), Type.Union([Seed, Type.Array(Seed, { maxItems: 20 })]))),
    skip: Type.Optional(Type.Array(Str, { maxItems: 1000 })),
    budget: Type.Optional(
      Type.Object(
        { requests: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })) },
        { additionalProperties: false },
      ),
    ),
    rate: Type.Optional(Type.Number({ minimum: 0.1, maximum: 10_000 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000 })),
    maxResponseBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024 })),
    allowDestructive: Type.Optional(Type.Boolean()),
    checks: Type.Optional(
      Type.Object(
        {
          only: Type.Optional(Type.Array(Name, { maxItems: 100 })),
          exclude: Type.Optional(Type.Array(Name, { maxItems: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    injection: Type.Optional(
      Type.Object(
        { delaySeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })) },
        { additionalProperties: false },
      ),
    ),
    rateLimitBurst: Type.Optional(Type.Integer({ minimum: 5, maximum: 1000 })),
    loginAttempts: Type.Optional(Type.Integer({ minimum: 3, maximum: 100 })),
    largeBodyBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024 })),
    graphql: Type.Optional(GraphqlSettings),
    /** The public keys the API verifies tokens with, when it does not publish them on its own origin. */
    jwks: Type.Optional(JwksSetting),
  },
  { additionalProperties: false },
);

export type ScanConfigInput = Static<typeof ScanConfigSchema>;
export type IdentityConfig = Static<typeof Identity>;

/** The config with defaults applied. */
export interface ScanConfig {
  readonly file: string | undefined;
  readonly target: string | undefined;
  readonly spec: string | undefined;
  readonly identities: readonly IdentityConfig[];
  readonly privilegedRoles: readonly string[];
  /** Values by parameter name or `operationId.param`. */
  readonly seeds: ReadonlyMap<string, readonly (string | number)[]>;
  /** operationIds or `METHOD /path`. */
  readonly skip: ReadonlySet<string>;
  readonly maxRequests: number;
  readonly rate: number;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly allowDestructive: boolean;
  readonly only: ReadonlySet<string> | undefined;
  readonly exclude: ReadonlySet<string>;
  readonly delaySeconds: number;
  readonly rateLimitBurst: number;
  readonly loginAttempts: number;
  readonly largeBodyBytes: number;
  readonly graphql: GraphqlConfig;
  /** Public JWKs from the config (file or inline), or undefined. */
  readonly jwks: readonly Readonly<Record<string, unknown>>[] | undefined;
}

/** GraphQL settings with defaults applied. */
export interface GraphqlConfig {
  readonly endpoints: readonly string[];
  /** The SDL text of `graphql.schema`, read and checked to be a schema at load time. */
  readonly sdl: string | undefined;
  readonly introspection: boolean;
  readonly maxOperations: number;
}

/** Defaults: 20 requests/s, 5,000 requests, 10 s per request, 1 MiB read per response. */
export const SCAN_DEFAULTS = Object.freeze({
  privilegedRoles: ['admin'],
  maxRequests: 5000,
  rate: 20,
  timeoutMs: 10_000,
  maxResponseBytes: 1024 * 1024,
  delaySeconds: 2,
  rateLimitBurst: 50,
  loginAttempts: 10,
  largeBodyBytes: 2 * 1024 * 1024,
  graphqlMaxOperations: 40,
});

const MAX_SIDE_FILE_BYTES = 1024 * 1024;

// A file the config names (SDL, JWKS), relative to the config's directory, size-capped.
function readSideFile(configFile: string, name: string, fail: (detail: string) => never): string {
  const path = resolve(dirname(resolve(configFile)), name);
  try {
    if (statSync(path).size > MAX_SIDE_FILE_BYTES) fail(`${path}: larger than ${MAX_SIDE_FILE_BYTES} bytes`);
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof ScanConfigError) throw err;
    return fail(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function publicJwks(value: unknown, fail: (detail: string) => never): Readonly<Record<string, unknown>>[] {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (typeof value !== 'object' || value === null || !Array.isArray(keys) || keys.length === 0)
    return fail('the JWKS needs a non-empty "keys" array');
  if (keys.length > 50) return fail('the JWKS has more than 50 keys');
  return keys.map((k, i) => {
    if (
      typeof k !== 'object' ||
      k === null ||
      Array.isArray(k) ||
      typeof (k as { kty?: unknown }).kty !== 'string'
    )
      return fail(`JWKS key ${i} is not a JWK (an object with "kty")`);
    // Only public parts are ever needed; a private key in a scan config is refused rather than carried.
    if ('d' in k) return fail(`JWKS key ${i} holds a private key ("d"); give the public JWKS`);
    return Object.freeze({ ...(k as Record<string, unknown>) });
  });
}

/** A bad scan config; the message starts with file:line:column when known. */
export class ScanConfigError extends Error {
  override readonly name = 'ScanConfigError';
  readonly location: SourceLocation | undefined;
  constructor(message: string, location: SourceLocation | undefined) {
    super(message);
    this.location = location;
  }
}

let validator: ReturnType<Ajv['compile']> | undefined;
function validate(value: unknown): ErrorObject[] | null {
  validator ??= new Ajv({ allErrors: false, strict: true, allowUnionTypes: true }).compile(ScanConfigSchema);
  return validator(value) ? null : (validator.errors ?? []);
}

/** Read and validate a scan config file. Throws ScanConfigError. */
export async function loadScanConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ScanConfig> {
  const path = resolve(file);
  let text: string;
  try {
    if ((await stat(path)).size > MAX_CONFIG_BYTES) {
      throw new ScanConfigError(`${path}: larger than ${MAX_CONFIG_BYTES} bytes`, undefined);
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof ScanConfigError) throw err;
    throw new ScanConfigError(
      `${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      undefined,
    );
  }
  return parseScanConfig(text, path, env);
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `unknown key '${String(params.additionalProperty)}'`;
  if (error.keyword === 'required') return `missing required key '${String(params.missingProperty)}'`;
  if (error.keyword === 'pattern' && error.instancePath.endsWith('/target'))
    return 'target must be an http:// or https:// URL';
  return error.message ?? 'invalid value';
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]{0,127})\}/g;

// ${NAME} in any string comes from the environment, so that credentials stay out of the file.
function expandEnv(
  value: unknown,
  pointer: string,
  env: NodeJS.ProcessEnv,
  fail: (p: string, d: string) => never,
  depth = 0,
): unknown {
  if (depth > 32) return fail(pointer, 'nested too deeply');
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_m, name: string) => {
      const v = env[name];
      if (v === undefined) return fail(pointer, `environment variable ${name} is not set`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, `${pointer}/${i}`, env, fail, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '__proto__') continue;
      out[k] = expandEnv(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, env, fail, depth + 1);
    }
    return out;
  }
  return value;
}

/** Parse and validate scan config text. Throws ScanConfigError naming file:line:column. */
export function parseScanConfig(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): ScanConfig {
  let source: SourceFile;
  try {
    source = parseSource(text, file);
  } catch (err) {
    if (err instanceof OpenApiError) throw new ScanConfigError(err.message, err.location);
    throw err;
  }
  const fail = (pointer: string, detail: string): never => {
    let location = source.locate(pointer);
    // Fall back to the closest enclosing node that has a position.
    for (let p = pointer; location === undefined && p !== ''; ) {
      p = p.slice(0, Math.max(0, p.lastIndexOf('/')));
      location = source.locate(p);
    }
    throw new ScanConfigError(`${location ? formatLocation(location) : file}: ${detail}`, location);
  };
  const raw = source.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return fail('', 'the scan config must be a mapping (with at least `identities:`)');
  }
  const value = expandEnv(raw, '', env, fail);
  const errors = validate(value);
  if (errors !== null && errors.length > 0) {
    const e = errors[0] as ErrorObject;
    const params = e.params as Record<string, unknown>;
    const at =
      e.keyword === 'additionalProperties'
        ? `${e.instancePath}/${String(params.additionalProperty)}`
        : e.instancePath;
    return fail(at, `${e.instancePath === '' ? '' : `${e.instancePath.slice(1)}: `}${describe(e)}`);
  }
  const input = value as ScanConfigInput;
  const names = new Set<string>();
  input.identities.forEach((id, i) => {
    const kinds = [id.bearer, id.apiKey, id.login].filter((k) => k !== undefined).length;
    if (kinds !== 1)
      fail(`/identities/${i}`, `identity '${id.name}' needs exactly one of bearer, apiKey, login`);
    if (names.has(id.name)) fail(`/identities/${i}/name`, `duplicate identity name '${id.name}'`);
    names.add(id.name);
  });
  let sdl: string | undefined;
  if (input.graphql?.schema !== undefined) {
    const failSdl = (d: string): never => fail('/graphql/schema', `graphql.schema: ${d}`);
    sdl = readSideFile(file, input.graphql.schema, failSdl);
    const problem = sdlProblem(sdl);
    if (problem !== undefined) failSdl(problem);
  }
  let jwks: Readonly<Record<string, unknown>>[] | undefined;
  if (input.jwks !== undefined) {
    const failJwks = (d: string): never => fail('/jwks', `jwks: ${d}`);
    let value: unknown = input.jwks;
    if (typeof input.jwks === 'string') {
      try {
        value = JSON.parse(readSideFile(file, input.jwks, failJwks));
      } catch (err) {
        if (err instanceof ScanConfigError) throw err;
        failJwks(`${input.jwks} is not JSON`);
      }
    }
    jwks = publicJwks(value, failJwks);
  }
  const seeds = new Map<string, readonly (string | number)[]>();
  for (const [k, v] of Object.entries(input.seeds ?? {})) seeds.set(k, Array.isArray(v) ? v : [v]);
  return Object.freeze({
    file,
    target: input.target,
    spec: input.spec,
    identities: input.identities,
    privilegedRoles: input.privilegedRoles ?? SCAN_DEFAULTS.privilegedRoles,
    seeds,
    skip: new Set(input.skip ?? []),
    maxRequests: input.budget?.requests ?? SCAN_DEFAULTS.maxRequests,
    rate: input.rate ?? SCAN_DEFAULTS.rate,
    timeoutMs: input.timeoutMs ?? SCAN_DEFAULTS.timeoutMs,
    maxResponseBytes: input.maxResponseBytes ?? SCAN_DEFAULTS.maxResponseBytes,
    allowDestructive: input.allowDestructive ?? false,
    only: input.checks?.only === undefined ? undefined : new Set(input.checks.only),
    exclude: new Set(input.checks?.exclude ?? []),
    delaySeconds: input.injection?.delaySeconds ?? SCAN_DEFAULTS.delaySeconds,
    rateLimitBurst: input.rateLimitBurst ?? SCAN_DEFAULTS.rateLimitBurst,
    loginAttempts: input.loginAttempts ?? SCAN_DEFAULTS.loginAttempts,
    largeBodyBytes: input.largeBodyBytes ?? SCAN_DEFAULTS.largeBodyBytes,
    graphql: Object.freeze({
      endpoints: input.graphql?.endpoints ?? [],
      sdl,
      introspection: input.graphql?.introspection ?? true,
      maxOperations: input.graphql?.maxOperations ?? SCAN_DEFAULTS.graphqlMaxOperations,
    }),
    jwks,
  });
}
