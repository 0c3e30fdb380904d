import { OpenApiError } from './errors.ts';
import type { LoadedDocument } from './load.ts';
import { isHttpMethod } from './operations.ts';
import { joinPointer } from './pointer.ts';
import { isObject } from './resolve.ts';
import { templateParams } from './template.ts';

const PATH_ITEM_FIELDS: ReadonlySet<string> = new Set([
  '$ref',
  'summary',
  'description',
  'servers',
  'parameters',
]);
const PARAM_LOCATIONS: ReadonlySet<string> = new Set(['path', 'query', 'header', 'cookie']);

/**
 * The structural checks the gateway relies on: a `paths` map of `/`-rooted templates, valid
 * methods, well-formed parameters, and every template variable declared as a path parameter.
 * Throws the first OpenApiError('openapi.invalid'), located.
 */
export function checkStructure(doc: LoadedDocument): void {
  const fail = (pointer: string, detail: string): never => {
    const location = doc.locate(pointer);
    throw new OpenApiError('openapi.invalid', detail, {
      file: location?.file ?? doc.file,
      location,
      pointer,
    });
  };
  const root = doc.root;
  if (root.paths === undefined) {
    const other = doc.version === '3.1' && (isObject(root.webhooks) || isObject(root.components));
    if (!other) fail('', "missing 'paths'");
  } else if (!isObject(root.paths)) {
    fail('/paths', "'paths' must be a mapping of path templates to path items");
  }
  if (isObject(root.paths)) {
    for (const path of Object.keys(root.paths)) checkPathItem(root.paths[path], path, '/paths', fail, true);
  }
  if (doc.version === '3.1' && root.webhooks !== undefined) {
    if (!isObject(root.webhooks)) fail('/webhooks', "'webhooks' must be a mapping of names to path items");
    for (const name of Object.keys(root.webhooks as object)) {
      checkPathItem((root.webhooks as Record<string, unknown>)[name], name, '/webhooks', fail, false);
    }
  }
}

type Fail = (pointer: string, detail: string) => never;

function checkPathItem(item: unknown, path: string, base: string, fail: Fail, templated: boolean): void {
  const pointer = joinPointer(base, path);
  let names: string[] = [];
  if (templated) {
    if (!path.startsWith('/')) fail(pointer, `path '${path}' must start with '/'`);
    const parsed = templateParams(path);
    if (typeof parsed === 'string') fail(pointer, `path '${path}' ${parsed}`);
    names = parsed as string[];
  }
  if (!isObject(item)) return fail(pointer, `path item '${path}' must be a mapping`);
  const itemPath = checkParameters(item.parameters, `${pointer}/parameters`, fail);
  for (const key of Object.keys(item)) {
    if (isHttpMethod(key)) continue;
    if (PATH_ITEM_FIELDS.has(key) || key.startsWith('x-')) continue;
    const hint = isHttpMethod(key.toLowerCase()) ? ` (methods are lowercase: '${key.toLowerCase()}')` : '';
    fail(
      `${pointer}/${joinPointer('', key).slice(1)}`,
      `'${key}' is not an HTTP method or path item field${hint}`,
    );
  }
  for (const key of Object.keys(item)) {
    if (!isHttpMethod(key)) continue;
    const opPointer = `${pointer}/${key}`;
    const op = item[key];
    if (!isObject(op)) return fail(opPointer, `operation ${key.toUpperCase()} ${path} must be a mapping`);
    const opPath = checkParameters(op.parameters, `${opPointer}/parameters`, fail);
    if (op.responses !== undefined && !isObject(op.responses)) {
      fail(`${opPointer}/responses`, `'responses' of ${key.toUpperCase()} ${path} must be a mapping`);
    }
    if (!templated) continue;
    const declared = new Map([...itemPath, ...opPath]);
    for (const name of names) {
      if (!declared.has(name)) {
        fail(
          opPointer,
          `${key.toUpperCase()} ${path}: path parameter '{${name}}' is not declared with 'in: path'`,
        );
      }
    }
    for (const [name, at] of declared) {
      if (!names.includes(name)) fail(at, `path parameter '${name}' is not in the path template '${path}'`);
    }
  }
}

/** Check a parameters array; returns its path parameters by name with their pointers. */
function checkParameters(value: unknown, pointer: string, fail: Fail): Map<string, string> {
  const pathParams = new Map<string, string>();
  if (value === undefined) return pathParams;
  if (!Array.isArray(value)) return fail(pointer, "'parameters' must be a list");
  const seen = new Set<string>();
  for (let i = 0; i < value.length; i++) {
    const at = `${pointer}/${i}`;
    const param = value[i];
    if (!isObject(param)) fail(at, 'a parameter must be a mapping');
    const p = param as Record<string, unknown>;
    if (typeof p.name !== 'string' || p.name === '') fail(at, "a parameter needs a string 'name'");
    if (typeof p.in !== 'string' || !PARAM_LOCATIONS.has(p.in)) {
      fail(at, `parameter '${String(p.name)}' needs 'in' of path, query, header or cookie`);
    }
    const key = `${p.in as string}:${p.name as string}`;
    if (seen.has(key)) fail(at, `parameter '${p.name as string}' in ${p.in as string} is declared twice`);
    seen.add(key);
    if (p.in === 'path') pathParams.set(p.name as string, at);
  }
  return pathParams;
}
