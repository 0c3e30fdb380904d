import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import { Ajv } from 'ajv';
import { ConfigError } from '../errors.ts';
import { parseYamlSource, type YamlSource, YamlSyntaxError } from '../util/yaml-source.ts';
import { RampartConfig } from './schema.ts';

/** A validated, defaulted and deep-frozen configuration, with where it came from. */
export interface LoadedConfig {
  readonly file: string;
  readonly dir: string;
  readonly config: Readonly<RampartConfig>;
  /** JSON pointers of values that came from ${ENV} or ${file:…}: printed as "[secret]". */
  readonly secretPointers: ReadonlySet<string>;
  /** Source position of a value, for errors found after validation (e.g. while compiling routes). */
  locate(path: readonly (string | number)[], key?: boolean): { line: number; column: number } | undefined;
}

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
const MAX_SECRET_FILE_BYTES = 1024 * 1024;

let validator: ReturnType<Ajv['compile']> | undefined;
function validate(value: unknown): ErrorObject[] | null {
  if (validator === undefined) {
    const ajv = new Ajv({
      useDefaults: true,
      allErrors: true,
      strict: true,
      allowUnionTypes: true,
      verbose: true,
    });
    validator = ajv.compile(RampartConfig);
  }
  return validator(value) ? null : (validator.errors ?? []);
}

/** Load `rampart.yaml`: read, parse with positions, substitute references, validate, default, freeze. */
export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  const path = resolve(file);
  let text: string;
  try {
    const buf = await readFile(path);
    if (buf.byteLength > MAX_CONFIG_BYTES)
      throw new ConfigError('config file is larger than 4 MiB', { file: path });
    text = buf.toString('utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot read config file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      file: path,
      hint: 'check the path given to --config',
    });
  }
  return parseConfig(text, path, env);
}

/** Parse and validate a config text; `file` names it in errors and anchors relative paths. */
export async function parseConfig(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig> {
  let source: YamlSource;
  try {
    source = parseYamlSource(text);
  } catch (err) {
    if (err instanceof YamlSyntaxError) {
      throw new ConfigError(err.message, { file, line: err.position?.line, column: err.position?.column });
    }
    throw err;
  }
  const dir = dirname(file);
  const where = (path: readonly (string | number)[], key = false) => {
    const p = source.position(path, key);
    return { file, line: p?.line, column: p?.column };
  };
  if (source.value === null || typeof source.value !== 'object' || Array.isArray(source.value)) {
    throw new ConfigError('the config must be a mapping of keys to values', {
      ...where([]),
      hint: 'start with listeners:, upstreams: and apis:',
    });
  }
  const secretPointers = new Set<string>();
  const value = await substitute(source.value, [], { env, dir, secretPointers, where });
  // `admin: false` is the short way to turn the admin listener off.
  if ((value as Record<string, unknown>).admin === false)
    (value as Record<string, unknown>).admin = { enabled: false };

  const errors = validate(value);
  if (errors !== null && errors.length > 0) throw configErrorFromAjv(errors, where);

  const config = value as RampartConfig;
  checkSemantics(config, where);
  return {
    file,
    dir,
    config: deepFreeze(config),
    secretPointers,
    locate: (path, key) => source.position(path, key),
  };
}

type Where = (
  path: readonly (string | number)[],
  key?: boolean,
) => {
  file: string;
  line: number | undefined;
  column: number | undefined;
};

interface SubstituteContext {
  readonly env: NodeJS.ProcessEnv;
  readonly dir: string;
  readonly secretPointers: Set<string>;
  readonly where: Where;
}

// ${NAME} or ${file:path}; `$${` escapes a literal "${". Linear: no nested quantifiers.
const REFERENCE = /\$?\$\{([^}]{0,4096})\}/g;

async function substitute(
  value: unknown,
  path: (string | number)[],
  ctx: SubstituteContext,
): Promise<unknown> {
  if (typeof value === 'string') {
    const out = await substituteString(value, path, ctx);
    const whole = value.startsWith('${') && value.indexOf('}') === value.length - 1;
    return whole ? typedScalar(out) : out;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(await substitute(value[i], [...path, i], ctx));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    // Prototype-less so that a "__proto__" key in YAML is only ever an (unknown, refused) key.
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) out[k] = await substitute(v, [...path, k], ctx);
    return out;
  }
  return value;
}

async function substituteString(
  value: string,
  path: (string | number)[],
  ctx: SubstituteContext,
): Promise<string> {
  if (!value.includes('${')) return value;
  const key = path.join('.');
  let out = '';
  let last = 0;
  let secret = false;
  for (const m of value.matchAll(REFERENCE)) {
    out += value.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[0].startsWith('$$')) {
      out += m[0].slice(1);
      continue;
    }
    const ref = m[1] ?? '';
    secret = true;
    if (ref.startsWith('file:')) {
      const target = ref.slice(5);
      const full = isAbsolute(target) ? target : resolve(ctx.dir, target);
      try {
        const buf = await readFile(full);
        if (buf.byteLength > MAX_SECRET_FILE_BYTES) throw new Error('too large');
        out += buf.toString('utf8').trim();
      } catch {
        throw new ConfigError(`cannot read the file referenced by \${file:${target}}`, {
          ...ctx.where(path),
          key,
          hint: 'the path is relative to the config file',
        });
      }
    } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(ref)) {
      const v = ctx.env[ref];
      if (v === undefined) {
        throw new ConfigError(`environment variable ${ref} is not set`, {
          ...ctx.where(path),
          key,
          hint: `export ${ref}=… before starting, or write $\${…} for a literal`,
        });
      }
      out += v;
    } else {
      throw new ConfigError(`invalid reference \${${ref.slice(0, 40)}}`, {
        ...ctx.where(path),
        key,
        hint: 'use ${ENV_NAME} or ${file:path}',
      });
    }
  }
  out += value.slice(last);
  if (secret) {
    ctx.secretPointers.add(
      `/${path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`,
    );
  }
  return out;
}

/** A value that is exactly one reference takes the YAML type of what it expands to (ports, flags). */
function typedScalar(value: string): string | number | boolean {
  if (/^-?\d{1,15}$/.test(value)) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => {
      const u = s.replaceAll('~1', '/').replaceAll('~0', '~');
      return /^\d+$/.test(u) ? Number(u) : u;
    });
}

function configErrorFromAjv(errors: ErrorObject[], where: Where): ConfigError {
  // Prefer the most specific error: unknown keys first, then the deepest path.
  const sorted = [...errors].sort((a, b) => {
    const ua = a.keyword === 'additionalProperties' ? 0 : 1;
    const ub = b.keyword === 'additionalProperties' ? 0 : 1;
    if (ua !== ub) return ua - ub;
    const depth = b.instancePath.split('/').length - a.instancePath.split('/').length;
    if (depth !== 0) return depth;
    // at one path, the union's own error lists every allowed value; its branches' errors list one each
    return (a.keyword === 'anyOf' ? 0 : 1) - (b.keyword === 'anyOf' ? 0 : 1);
  });
  const e = sorted[0]!;
  const path = pathOf(e.instancePath);
  const keyName = path.length === 0 ? undefined : path.join('.');
  const more =
    errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(
        (e.parentSchema as { properties?: Record<string, unknown> }).properties ?? {},
      );
      const close = closest(extra, allowed);
      return new ConfigError(`unknown key "${extra}"${more}`, {
        ...where([...path, extra], true),
        key: [...path, extra].join('.'),
        hint: close === undefined ? `allowed keys: ${allowed.join(', ')}` : `did you mean "${close}"?`,
      });
    }
    case 'required': {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      return new ConfigError(`missing required key "${missing}"${more}`, {
        ...where(path),
        key: keyName,
        hint: describe(e, missing),
      });
    }
    case 'enum':
    case 'const':
    case 'anyOf': {
      const options = collectLiterals(e.parentSchema);
      return new ConfigError(`invalid value${more}`, {
        ...where(path),
        key: keyName,
        hint: options.length > 0 ? `one of: ${options.join(', ')}` : (e.message ?? 'see the schema'),
      });
    }
    default:
      return new ConfigError(`${e.message ?? 'invalid value'}${more}`, {
        ...where(path),
        key: keyName,
        hint: describe(e),
      });
  }
}

function describe(e: ErrorObject, child?: string): string | undefined {
  const schema = e.parentSchema as
    | { description?: string; properties?: Record<string, { description?: string }> }
    | undefined;
  if (child !== undefined) return schema?.properties?.[child]?.description;
  return schema?.description;
}

function collectLiterals(schema: unknown): string[] {
  const s = schema as { anyOf?: unknown[]; const?: unknown; enum?: unknown[] } | undefined;
  if (s === undefined) return [];
  if (s.const !== undefined) return [JSON.stringify(s.const)];
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v));
  if (Array.isArray(s.anyOf)) return s.anyOf.flatMap(collectLiterals);
  return [];
}

/** The allowed word nearest to a misspelt one, when it is near enough to be a likely typo. */
function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const o of options) {
    const d = levenshtein(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      best = o;
      bestD = d;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.max(a.length, b.length);
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function checkSemantics(config: RampartConfig, where: Where): void {
  const names = new Set<string>();
  config.apis.forEach((api, i) => {
    if (names.has(api.name)) {
      throw new ConfigError(`duplicate API name "${api.name}"`, {
        ...where(['apis', i, 'name']),
        key: `apis.${i}.name`,
      });
    }
    names.add(api.name);
    if (!Object.hasOwn(config.upstreams, api.upstream)) {
      const known = Object.keys(config.upstreams);
      throw new ConfigError(`unknown upstream "${api.upstream}"`, {
        ...where(['apis', i, 'upstream']),
        key: `apis.${i}.upstream`,
        hint: known.length ? `defined upstreams: ${known.join(', ')}` : 'define it under upstreams:',
      });
    }
    const cors = api.cors;
    if (cors !== undefined) {
      cors.origins.forEach((o, j) => {
        const at = { ...where(['apis', i, 'cors', 'origins', j]), key: `apis.${i}.cors.origins.${j}` };
        if (o === '*' && cors.credentials) {
          throw new ConfigError('"*" cannot be combined with credentials: true', {
            ...at,
            hint: 'list the allowed origins one by one',
          });
        }
        if (o !== '*' && !/^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o)) {
          throw new ConfigError(`invalid origin "${o}"`, {
            ...at,
            hint: 'scheme://host[:port] with no path, e.g. https://app.example.com',
          });
        }
      });
    }
  });
  config.listeners.forEach((l, i) => {
    if (l.tls !== undefined && l.redirectToHttps !== undefined) {
      throw new ConfigError('a TLS listener cannot also be a redirect listener', {
        ...where(['listeners', i, 'redirectToHttps'], true),
        key: `listeners.${i}.redirectToHttps`,
      });
    }
    if (config.production && l.tls === undefined && l.redirectToHttps === undefined) {
      throw new ConfigError('plain HTTP listener in production mode', {
        ...where(['listeners', i]),
        key: `listeners.${i}`,
        hint: 'add tls: { cert, key }, or redirectToHttps: <https port>',
      });
    }
  });
  for (const [name, up] of Object.entries(config.upstreams)) {
    try {
      const u = new URL(up.url);
      if (u.pathname !== '/' || u.search !== '' || u.username !== '' || u.password !== '')
        throw new Error('path');
    } catch {
      throw new ConfigError(
        'upstream url must be an origin: scheme://host[:port] with no path, query or credentials',
        {
          ...where(['upstreams', name, 'url']),
          key: `upstreams.${name}.url`,
        },
      );
    }
  }
}

/** Freeze an object graph so that no later code can mutate the loaded config. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
