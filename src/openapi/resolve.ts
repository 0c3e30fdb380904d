import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, resolve as resolvePath } from 'node:path';
import { OpenApiError, type SourceLocation } from './errors.ts';
import { fragmentToPointer, joinPointer, parsePointer } from './pointer.ts';
import { parseSource, type SourceFile } from './source.ts';

/** Bounds on what a document may pull in: files, bytes, nesting and $ref chains. */
export const LOAD_LIMITS = Object.freeze({
  maxFiles: 200,
  maxFileBytes: 10 * 1024 * 1024,
  /** Nesting of objects and arrays, counted across $refs. */
  maxDepth: 512,
  /** $refs followed while walking one pointer. */
  maxRefHops: 64,
});

/** The canonical home of a resolved value: the file and the pointer inside it where it was written. */
export interface Origin {
  readonly file: string;
  readonly pointer: string;
}

/** Every file of a document, parsed, keyed by absolute path. */
export type FileSet = ReadonlyMap<string, SourceFile>;

// Keys whose values are data, not OpenAPI structure: a `$ref` inside them is a literal, not a reference.
const LITERAL_KEYS = new Set(['example', 'default', 'enum', 'const']);
// Maps whose keys are user-chosen names (a property called `default` is still a schema).
const NAMED_MAPS = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
  'paths',
  'webhooks',
  'schemas',
  'responses',
  'parameters',
  'examples',
  'requestBodies',
  'headers',
  'securitySchemes',
  'links',
  'callbacks',
  'pathItems',
  'content',
  'encoding',
  'variables',
]);
// Maps whose values are Path Item Objects.
const PATH_ITEM_PARENTS = new Set(['paths', 'webhooks', 'pathItems']);
// $ref siblings that OpenAPI 3.1 allows to override without changing the referenced object's meaning.
const ANNOTATION_SIBLINGS = new Set(['$ref', 'summary', 'description']);

function isLiteral(key: string, parentKey: string | undefined, grandKey: string | undefined, value: unknown) {
  if (parentKey !== undefined && NAMED_MAPS.has(parentKey)) return false;
  if (key.startsWith('x-') || LITERAL_KEYS.has(key)) return true;
  if (key === 'examples' && Array.isArray(value)) return true;
  return key === 'value' && grandKey === 'examples';
}

/** A plain object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refOf(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const ref = value.$ref;
  return typeof ref === 'string' ? ref : undefined;
}

function hasOwn(value: object, key: string): boolean {
  return Object.hasOwn(value, key);
}

interface RefTarget {
  readonly file: string;
  readonly pointer: string;
}

/** Read one file within the size bound. */
async function readBounded(file: string, from: { file: string; location?: SourceLocation | undefined }) {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOTFILE' });
    size = info.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new OpenApiError('openapi.read', `cannot read ${file}: ${code}`, from);
  }
  if (size > LOAD_LIMITS.maxFileBytes) {
    throw new OpenApiError('openapi.read', `${file} is larger than ${LOAD_LIMITS.maxFileBytes} bytes`, from);
  }
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new OpenApiError('openapi.read', `cannot read ${file}: ${code}`, from);
  }
}

/** Read and parse one file, refusing oversize input. Throws OpenApiError. */
export async function readSource(file: string): Promise<SourceFile> {
  const text = await readBounded(file, { file });
  return parseSource(text, file);
}

/**
 * Split a `$ref` into its target file and pointer. Only local and relative-file references are
 * followed: fetching URLs at load would make loading depend on the network and open an SSRF door.
 */
function parseRef(ref: string, fromFile: string): RefTarget | string {
  const hash = ref.indexOf('#');
  const filePart = hash === -1 ? ref : ref.slice(0, hash);
  const pointer = fragmentToPointer(hash === -1 ? '' : ref.slice(hash + 1));
  if (pointer === undefined) return 'has a malformed JSON pointer';
  if (filePart === '') return { file: fromFile, pointer };
  if (/^https?:/i.test(filePart)) return 'is remote; remote $refs are not fetched';
  if (/^[a-z][a-z0-9+.-]*:/i.test(filePart)) return 'uses an unsupported scheme';
  let decoded: string;
  try {
    decoded = decodeURI(filePart);
  } catch {
    return 'has a malformed file path';
  }
  if (decoded.includes('\0')) return 'has a malformed file path';
  const ext = extname(decoded).toLowerCase();
  if (ext !== '.yaml' && ext !== '.yml' && ext !== '.json') {
    return 'names a file that is not .yaml, .yml or .json';
  }
  return { file: resolvePath(dirname(fromFile), decoded), pointer };
}

/** Visit every `$ref` in structural (non-literal) positions of a value, with its pointer. */
function visitRefs(value: unknown, file: string, onRef: (ref: string, pointer: string) => void): void {
  const path: string[] = [];
  const walk = (node: unknown, parentKey: string | undefined, grandKey: string | undefined): void => {
    if (typeof node !== 'object' || node === null) return;
    if (path.length > LOAD_LIMITS.maxDepth) {
      throw new OpenApiError('openapi.invalid', `nesting deeper than ${LOAD_LIMITS.maxDepth}`, {
        file,
        pointer: joinPointer('', ...path),
      });
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        path.push(String(i));
        walk(node[i], String(i), parentKey);
        path.pop();
      }
      return;
    }
    const ref = refOf(node);
    if (ref !== undefined) onRef(ref, joinPointer('', ...path));
    for (const key of Object.keys(node)) {
      const child = (node as Record<string, unknown>)[key];
      if (isLiteral(key, parentKey, grandKey, child)) continue;
      path.push(key);
      walk(child, key, parentKey);
      path.pop();
    }
  };
  walk(value, undefined, undefined);
}

/** Load every file reachable through relative-file `$ref`s, breadth first, within the file-count bound. */
export async function loadFileSet(root: SourceFile): Promise<Map<string, SourceFile>> {
  const files = new Map<string, SourceFile>([[root.file, root]]);
  let frontier: SourceFile[] = [root];
  while (frontier.length > 0) {
    const wanted = new Map<string, { file: string; location: SourceLocation | undefined; pointer: string }>();
    for (const source of frontier) {
      visitRefs(source.value, source.file, (ref, pointer) => {
        const refPointer = `${pointer}/$ref`;
        const target = parseRef(ref, source.file);
        if (typeof target === 'string') {
          throw new OpenApiError('openapi.ref', `$ref '${ref}' ${target}`, {
            file: source.file,
            location: source.locate(refPointer),
            pointer: refPointer,
          });
        }
        if (!files.has(target.file) && !wanted.has(target.file)) {
          wanted.set(target.file, {
            file: source.file,
            location: source.locate(refPointer),
            pointer: refPointer,
          });
        }
      });
    }
    if (files.size + wanted.size > LOAD_LIMITS.maxFiles) {
      const [, from] = [...wanted][0]!;
      throw new OpenApiError(
        'openapi.ref',
        `the document references more than ${LOAD_LIMITS.maxFiles} files`,
        from,
      );
    }
    const loaded = await Promise.all(
      [...wanted].map(async ([file, from]) => {
        const text = await readBounded(file, from).catch((err: unknown) => {
          if (err instanceof OpenApiError && err.detail.includes('ENOENT')) {
            throw new OpenApiError('openapi.ref', `$ref file '${file}' does not exist`, from);
          }
          throw err;
        });
        return parseSource(text, file);
      }),
    );
    for (const source of loaded) files.set(source.file, source);
    frontier = loaded;
  }
  return files;
}

/** Result of resolving a whole document. */
export interface Resolution {
  readonly root: Record<string, unknown>;
  /** Where each resolved object or array was written. */
  readonly origins: WeakMap<object, Origin>;
  /** Walk a pointer from a file, following `$ref`s met on the way; the canonical file and pointer. */
  walk(file: string, pointer: string): Origin | undefined;
}

/**
 * Resolve every `$ref` of the root file into a new tree. Each referenced node becomes one shared
 * object, so a schema used ten times is one object, and a recursive schema is an object cycle.
 */
export function resolveDocument(files: FileSet, rootFile: string, version: '3.0' | '3.1'): Resolution {
  const memo = new Map<string, unknown>();
  const origins = new WeakMap<object, Origin>();
  const refsInProgress = new Set<string>();

  const sourceOf = (file: string): SourceFile => files.get(file)!;
  const refError = (file: string, pointer: string, detail: string) =>
    new OpenApiError('openapi.ref', detail, {
      file,
      location: sourceOf(file).locate(`${pointer}/$ref`) ?? sourceOf(file).locate(pointer),
      pointer: `${pointer}/$ref`,
    });

  // Raw value at a pointer, following $refs found on intermediate nodes (a pointer through a reference).
  const walkRaw = (file: string, pointer: string): { origin: Origin; value: unknown } | undefined => {
    const tokens = parsePointer(pointer);
    if (!tokens) return undefined;
    let current = { file, pointer: '' };
    let value: unknown = sourceOf(file).value;
    let hops = 0;
    for (const token of tokens) {
      for (;;) {
        if (typeof value === 'object' && value !== null && hasOwn(value, token)) break;
        const ref = refOf(value);
        if (ref === undefined || ++hops > LOAD_LIMITS.maxRefHops) return undefined;
        const target = parseRef(ref, current.file);
        if (typeof target === 'string' || !files.has(target.file)) return undefined;
        const next = walkRaw(target.file, target.pointer);
        if (!next) return undefined;
        current = next.origin;
        value = next.value;
      }
      value = (value as Record<string, unknown>)[token];
      current = { file: current.file, pointer: joinPointer(current.pointer, token) };
    }
    return { origin: current, value };
  };

  const resolveNode = (
    file: string,
    pointer: string,
    raw: unknown,
    parentKey: string | undefined,
    grandKey: string | undefined,
    depth: number,
  ): unknown => {
    if (typeof raw !== 'object' || raw === null) return raw;
    const key = `${file}#${pointer}`;
    if (memo.has(key)) return memo.get(key);
    if (depth > LOAD_LIMITS.maxDepth) {
      throw new OpenApiError(
        'openapi.invalid',
        `nesting deeper than ${LOAD_LIMITS.maxDepth} (through $refs)`,
        {
          file,
          location: sourceOf(file).locate(pointer),
          pointer,
        },
      );
    }
    const ref = refOf(raw);
    if (ref !== undefined) {
      return resolveRef(file, pointer, raw as Record<string, unknown>, ref, key, parentKey, grandKey, depth);
    }
    if (Array.isArray(raw)) {
      const out: unknown[] = [];
      memo.set(key, out);
      origins.set(out, { file, pointer });
      for (let i = 0; i < raw.length; i++) {
        out.push(resolveNode(file, `${pointer}/${i}`, raw[i], String(i), parentKey, depth + 1));
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    memo.set(key, out);
    origins.set(out, { file, pointer });
    fillObject(out, file, pointer, raw as Record<string, unknown>, parentKey, grandKey, depth);
    return out;
  };

  const fillObject = (
    out: Record<string, unknown>,
    file: string,
    pointer: string,
    raw: Record<string, unknown>,
    parentKey: string | undefined,
    grandKey: string | undefined,
    depth: number,
  ): void => {
    for (const name of Object.keys(raw)) {
      const child = raw[name];
      const value = isLiteral(name, parentKey, grandKey, child)
        ? child
        : resolveNode(file, joinPointer(pointer, name), child, name, parentKey, depth + 1);
      // An own `__proto__` key must stay data; plain assignment would replace the prototype.
      if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true });
      else out[name] = value;
    }
  };

  const resolveRef = (
    file: string,
    pointer: string,
    raw: Record<string, unknown>,
    ref: string,
    key: string,
    parentKey: string | undefined,
    grandKey: string | undefined,
    depth: number,
  ): unknown => {
    const target = parseRef(ref, file);
    if (typeof target === 'string') throw refError(file, pointer, `$ref '${ref}' ${target}`);
    if (!files.has(target.file)) throw refError(file, pointer, `$ref '${ref}' does not resolve`);
    if (refsInProgress.has(key)) throw refError(file, pointer, `$ref '${ref}' is circular with no content`);
    const found = walkRaw(target.file, target.pointer);
    if (!found || found.value === undefined) throw refError(file, pointer, `$ref '${ref}' does not resolve`);
    const tokens = parsePointer(found.origin.pointer) ?? [];
    const siblings = Object.keys(raw).filter((name) => !ANNOTATION_SIBLINGS.has(name));
    refsInProgress.add(key);
    try {
      if (siblings.length > 0 && parentKey !== undefined && PATH_ITEM_PARENTS.has(parentKey)) {
        // A path item's $ref with its own fields: the local fields win (the spec leaves this undefined).
        const out: Record<string, unknown> = {};
        memo.set(key, out);
        origins.set(out, { file, pointer });
        const resolvedTarget = resolveNode(
          found.origin.file,
          found.origin.pointer,
          found.value,
          tokens.at(-1),
          tokens.at(-2),
          depth + 1,
        );
        if (isObject(resolvedTarget)) Object.assign(out, resolvedTarget);
        const rest: Record<string, unknown> = {};
        for (const name of Object.keys(raw)) if (name !== '$ref') rest[name] = raw[name];
        fillObject(out, file, pointer, rest, parentKey, grandKey, depth);
        return out;
      }
      if (version === '3.1' && siblings.length > 0) {
        // In 3.1 a schema's $ref sits beside other keywords and both apply: an allOf says exactly that.
        const out: Record<string, unknown> = {};
        memo.set(key, out);
        origins.set(out, { file, pointer });
        const rest: Record<string, unknown> = {};
        for (const name of Object.keys(raw)) if (name !== '$ref') rest[name] = raw[name];
        fillObject(out, file, pointer, rest, parentKey, grandKey, depth);
        const resolvedTarget = resolveNode(
          found.origin.file,
          found.origin.pointer,
          found.value,
          tokens.at(-1),
          tokens.at(-2),
          depth + 1,
        );
        out.allOf = Array.isArray(out.allOf) ? [...out.allOf, resolvedTarget] : [resolvedTarget];
        return out;
      }
      const resolved = resolveNode(
        found.origin.file,
        found.origin.pointer,
        found.value,
        tokens.at(-1),
        tokens.at(-2),
        depth + 1,
      );
      memo.set(key, resolved);
      return resolved;
    } finally {
      refsInProgress.delete(key);
    }
  };

  const rootValue = sourceOf(rootFile).value;
  const root = resolveNode(rootFile, '', rootValue, undefined, undefined, 0) as Record<string, unknown>;
  return {
    root,
    origins,
    walk: (file, pointer) => (files.has(file) ? walkRaw(file, pointer)?.origin : undefined),
  };
}
