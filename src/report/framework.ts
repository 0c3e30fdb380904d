/**
 * Compliance frameworks as data: one YAML file per framework, mapping each of its controls to the
 * Rampart controls and finding categories it depends on. The built-in ones live in ./frameworks/;
 * a team loads its own with `--framework file.yaml`, validated against the same schema.
 */
import { readFile } from 'node:fs/promises';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { CATEGORIES, SEVERITIES } from '../audit/types.ts';
import { parseYamlSource, type YamlSource, YamlSyntaxError } from '../util/yaml-source.ts';
import { CONTROL_IDS, FINDING_SOURCES } from './types.ts';

/** A framework file that cannot be used, with file:line:column when known. */
export class FrameworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameworkError';
  }
}

/** Which routes a requirement applies to. */
export const ROUTE_SCOPES = ['all', 'authenticated', 'public', 'object', 'admin', 'login', 'write'] as const;
export type RouteScope = (typeof ROUTE_SCOPES)[number];

const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

const Requirement = Type.Object(
  {
    control: lit(CONTROL_IDS),
    routes: Type.Optional(lit(ROUTE_SCOPES)),
    level: Type.Optional(lit(['required', 'recommended'] as const)),
    why: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

const FindingRule = Type.Object(
  {
    categories: Type.Optional(Type.Array(lit(Object.keys(CATEGORIES)), { maxItems: 10, uniqueItems: true })),
    sources: Type.Optional(Type.Array(lit(FINDING_SOURCES), { minItems: 1, maxItems: 3, uniqueItems: true })),
    failAt: Type.Optional(lit(SEVERITIES)),
    partialAt: Type.Optional(lit(SEVERITIES)),
  },
  { additionalProperties: false },
);

const FrameworkControl = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    requires: Type.Optional(Type.Array(Requirement, { maxItems: 20 })),
    findings: Type.Optional(FindingRule),
    traffic: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' }), { maxItems: 20, uniqueItems: true }),
    ),
  },
  { additionalProperties: false },
);

/** The schema of a framework file. */
export const FrameworkSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    version: Type.Optional(Type.String({ maxLength: 64 })),
    url: Type.Optional(Type.String({ pattern: '^https://', maxLength: 500 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    controls: Type.Array(FrameworkControl, { minItems: 1, maxItems: 500 }),
  },
  { additionalProperties: false },
);

export type FrameworkFile = Static<typeof FrameworkSchema>;
export type FrameworkRequirement = Static<typeof Requirement>;

/** A loaded framework and where it came from. */
export interface Framework extends FrameworkFile {
  readonly source: string;
}

/** The frameworks shipped with Rampart, by id. */
export const BUILTIN_FRAMEWORKS: Readonly<Record<string, string>> = Object.freeze({
  'owasp-api-2023': 'owasp-api-2023.yaml',
  'pci-dss-4': 'pci-dss-4.yaml',
  gdpr: 'gdpr.yaml',
  hipaa: 'hipaa.yaml',
});

const MAX_FRAMEWORK_BYTES = 1024 * 1024;
let validator: ReturnType<Ajv['compile']> | undefined;

function where(file: string, source: YamlSource | undefined, path: readonly (string | number)[]): string {
  const p = source?.position(path);
  return p === undefined ? file : `${file}:${p.line}:${p.column}`;
}

/** Parse and validate a framework text; `file` names it in errors. */
export function parseFramework(text: string, file: string, label: string = file): Framework {
  let source: YamlSource;
  try {
    source = parseYamlSource(text);
  } catch (err) {
    if (err instanceof YamlSyntaxError) {
      const p = err.position;
      throw new FrameworkError(`${file}${p ? `:${p.line}:${p.column}` : ''}: ${err.message}`);
    }
    throw err;
  }
  validator ??= new Ajv({ allErrors: false, strict: true, allowUnionTypes: true }).compile(FrameworkSchema);
  if (!validator(source.value)) {
    const e = validator.errors?.[0];
    const path = (e?.instancePath ?? '')
      .split('/')
      .slice(1)
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
    const key = path.join('.') || '(root)';
    let message = e?.message ?? 'invalid';
    if (e?.keyword === 'additionalProperties')
      message = `unknown key "${String((e.params as { additionalProperty: string }).additionalProperty)}"`;
    else if (e?.keyword === 'anyOf' || e?.keyword === 'const') {
      // a union of literals: name the allowed values rather than ajv's first failed branch
      const allowed: Readonly<Record<string, readonly string[]>> = {
        control: CONTROL_IDS,
        routes: ROUTE_SCOPES,
        level: ['required', 'recommended'],
        failAt: SEVERITIES,
        partialAt: SEVERITIES,
      };
      const last = path.at(-1);
      const parent = path.at(-2);
      const values =
        typeof last === 'string'
          ? allowed[last]
          : parent === 'categories'
            ? Object.keys(CATEGORIES)
            : parent === 'sources'
              ? FINDING_SOURCES
              : undefined;
      message =
        values !== undefined ? `must be one of ${values.join(', ')}` : 'is not one of the allowed values';
    }
    throw new FrameworkError(`${where(file, source, path)}: ${key}: ${message}`);
  }
  const fw = source.value as FrameworkFile;
  const seen = new Set<string>();
  for (const [i, c] of fw.controls.entries()) {
    if (seen.has(c.id))
      throw new FrameworkError(
        `${where(file, source, ['controls', i, 'id'])}: controls.${i}.id: duplicate id "${c.id}"`,
      );
    seen.add(c.id);
    if ((c.requires ?? []).length === 0 && c.findings === undefined)
      throw new FrameworkError(
        `${where(file, source, ['controls', i])}: controls.${i}: control "${c.id}" needs requires or findings (nothing to judge it by)`,
      );
  }
  return { ...fw, source: label };
}

/** Load a team's framework file. */
export async function loadFrameworkFile(file: string): Promise<Framework> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new FrameworkError(
      `${file}: cannot read framework file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (buf.byteLength > MAX_FRAMEWORK_BYTES)
    throw new FrameworkError(`${file}: framework file is larger than 1 MiB`);
  return parseFramework(buf.toString('utf8'), file);
}

/** Load a built-in framework by id. */
export async function loadBuiltinFramework(id: string): Promise<Framework> {
  const name = BUILTIN_FRAMEWORKS[id];
  if (name === undefined)
    throw new FrameworkError(
      `unknown framework "${id}" (built in: ${Object.keys(BUILTIN_FRAMEWORKS).join(', ')})`,
    );
  const url = new URL(`./frameworks/${name}`, import.meta.url);
  return parseFramework(await readFile(url, 'utf8'), `src/report/frameworks/${name}`, 'builtin');
}

/** A `--framework` value: a built-in id, or a path to a YAML/JSON file. */
export function isFrameworkFile(value: string): boolean {
  return /\.(ya?ml|json)$/i.test(value) || value.includes('/') || value.includes('\\');
}
