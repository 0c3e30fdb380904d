import type { SourceLocation } from './errors.ts';
import type { LoadedDocument } from './load.ts';
import { joinPointer } from './pointer.ts';
import { isObject } from './resolve.ts';

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';

/** The methods a Path Item may hold, in the order the specification lists them. */
export const HTTP_METHODS: readonly HttpMethod[] = Object.freeze([
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
]);

const METHOD_SET: ReadonlySet<string> = new Set(HTTP_METHODS);

/** Whether a Path Item key names an HTTP method. */
export function isHttpMethod(key: string): key is HttpMethod {
  return METHOD_SET.has(key);
}

export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';

export interface Parameter {
  readonly name: string;
  readonly in: ParameterLocation;
  /** Always true for path parameters. */
  readonly required: boolean;
  /** `schema`, or for a `content` parameter the schema of its first media type. */
  readonly schema: Readonly<Record<string, unknown>> | undefined;
  readonly style: string | undefined;
  readonly explode: boolean | undefined;
  readonly deprecated: boolean;
  readonly raw: Readonly<Record<string, unknown>>;
  /** JSON pointer of the parameter into the root document (path-level or operation-level). */
  readonly pointer: string;
}

export interface RequestBody {
  readonly required: boolean;
  readonly content: Readonly<Record<string, { readonly schema?: Readonly<Record<string, unknown>> }>>;
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface Operation {
  readonly method: HttpMethod;
  /** The template as in the document, e.g. '/users/{id}'. */
  readonly path: string;
  readonly operationId: string | undefined;
  /** JSON pointer into the root document, e.g. '/paths/~1users~1{id}/get'. */
  readonly pointer: string;
  readonly location: SourceLocation | undefined;
  /** Path-level merged with operation-level (the operation's wins by name+in), $refs resolved. */
  readonly parameters: readonly Parameter[];
  readonly requestBody: RequestBody | undefined;
  readonly responses: Readonly<Record<string, unknown>>;
  /** Effective: the operation's, else the root's; `[]` means public; undefined means none declared. */
  readonly security: readonly Readonly<Record<string, readonly string[]>>[] | undefined;
  /** Effective: operation > path item > root; defaults to [{ url: '/' }]. */
  readonly servers: readonly { readonly url: string }[];
  readonly deprecated: boolean;
  readonly tags: readonly string[];
  /** x-* of the path item merged with the operation's (the operation wins). */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** The resolved operation object itself. */
  readonly raw: Readonly<Record<string, unknown>>;
}

const PARAM_LOCATIONS: ReadonlySet<string> = new Set(['path', 'query', 'header', 'cookie']);

/** Normalize one resolved Parameter Object; undefined when it lacks a name or a valid `in`. */
export function toParameter(value: unknown, pointer: string): Parameter | undefined {
  if (!isObject(value) || typeof value.name !== 'string' || typeof value.in !== 'string') return undefined;
  if (!PARAM_LOCATIONS.has(value.in)) return undefined;
  const location = value.in as ParameterLocation;
  let schema = isObject(value.schema) ? value.schema : undefined;
  if (!schema && isObject(value.content)) {
    const first = Object.values(value.content)[0];
    if (isObject(first) && isObject(first.schema)) schema = first.schema;
  }
  return {
    name: value.name,
    in: location,
    required: location === 'path' || value.required === true,
    schema,
    style: typeof value.style === 'string' ? value.style : undefined,
    explode: typeof value.explode === 'boolean' ? value.explode : undefined,
    deprecated: value.deprecated === true,
    raw: value,
    pointer,
  };
}

function parameterList(value: unknown, pointer: string): Parameter[] {
  if (!Array.isArray(value)) return [];
  const out: Parameter[] = [];
  for (let i = 0; i < value.length; i++) {
    const param = toParameter(value[i], `${pointer}/${i}`);
    if (param) out.push(param);
  }
  return out;
}

function servers(value: unknown): { url: string }[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const out = value.filter((s): s is { url: string } => isObject(s) && typeof s.url === 'string');
  return out.length > 0 ? out : undefined;
}

function securityOf(value: unknown): Record<string, string[]>[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(isObject) as Record<string, string[]>[];
}

function extensionsOf(target: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const key of Object.keys(from)) if (key.startsWith('x-')) target[key] = from[key];
}

/** Every operation of the document's `paths`, in document order (webhooks are not operations served). */
export function listOperations(doc: LoadedDocument): Operation[] {
  const root = doc.root;
  const paths = root.paths;
  if (!isObject(paths)) return [];
  const rootSecurity = securityOf(root.security);
  const rootServers = servers(root.servers) ?? [{ url: '/' }];
  const out: Operation[] = [];
  for (const path of Object.keys(paths)) {
    const item = paths[path];
    if (!isObject(item)) continue;
    const itemPointer = joinPointer('/paths', path);
    const itemParams = parameterList(item.parameters, `${itemPointer}/parameters`);
    const itemServers = servers(item.servers);
    for (const key of Object.keys(item)) {
      if (!isHttpMethod(key)) continue;
      const op = item[key];
      if (!isObject(op)) continue;
      const pointer = `${itemPointer}/${key}`;
      const merged = new Map<string, Parameter>();
      for (const p of itemParams) merged.set(`${p.in}:${p.name}`, p);
      for (const p of parameterList(op.parameters, `${pointer}/parameters`))
        merged.set(`${p.in}:${p.name}`, p);
      const extensions: Record<string, unknown> = {};
      extensionsOf(extensions, item);
      extensionsOf(extensions, op);
      out.push({
        method: key,
        path,
        operationId: typeof op.operationId === 'string' ? op.operationId : undefined,
        pointer,
        location: doc.locate(pointer),
        parameters: [...merged.values()],
        requestBody: requestBodyOf(op.requestBody),
        responses: isObject(op.responses) ? op.responses : {},
        security: securityOf(op.security) ?? rootSecurity,
        servers: servers(op.servers) ?? itemServers ?? rootServers,
        deprecated: op.deprecated === true,
        tags: Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === 'string') : [],
        extensions,
        raw: op,
      });
    }
  }
  return out;
}

function requestBodyOf(value: unknown): RequestBody | undefined {
  if (!isObject(value)) return undefined;
  const content: Record<string, { schema?: Record<string, unknown> }> = {};
  if (isObject(value.content)) {
    for (const [type, media] of Object.entries(value.content)) {
      if (!isObject(media) || type === '__proto__') continue;
      content[type] = isObject(media.schema) ? { schema: media.schema } : {};
    }
  }
  return { required: value.required === true, content, raw: value };
}
