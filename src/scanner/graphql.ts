/**
 * GraphQL for the scanner: which operations are GraphQL endpoints (the document's, plus the scan
 * config's), and the argument injection points derived from an endpoint's schema (an SDL file, or
 * introspection): one small operation per string-like argument of a root field, the argument passed
 * as a variable so that any payload travels intact.
 */
import {
  buildClientSchema,
  buildSchema,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  type IntrospectionQuery,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import type { Operation } from '../openapi/operations.ts';
import { jsonRequestSchema } from './ops.ts';
import { objectProperties } from './values.ts';

/** One argument of one root field, with the operation that carries a value to it. */
export interface GraphqlArg {
  readonly root: 'query' | 'mutation';
  readonly field: string;
  readonly arg: string;
  /** The GraphQL type of the argument as written (`String!`, `ID`). */
  readonly type: string;
  /** A complete operation with the argument bound to `$v`. */
  readonly query: string;
}

const MAX_SDL_BYTES = 1024 * 1024;
const MAX_SELECTED = 5;

function isGraphqlPath(path: string): boolean {
  const p = path.toLowerCase();
  return p.endsWith('/graphql') || p.endsWith('/graphql/') || p.endsWith('/gql');
}

/** Whether an operation looks like a GraphQL endpoint (path, or a POST body with a `query` property). */
export function looksGraphql(op: Operation): boolean {
  if (isGraphqlPath(op.path)) return op.method === 'post' || op.method === 'get';
  if (op.method !== 'post') return false;
  const props = objectProperties(jsonRequestSchema(op));
  return 'query' in props && typeof props.query === 'object';
}

/** A POST operation for an endpoint the scan config names but the document does not describe. */
export function syntheticEndpoint(path: string): Operation {
  return {
    method: 'post',
    path,
    operationId: undefined,
    pointer: '',
    location: undefined,
    parameters: [],
    requestBody: { required: true, content: { 'application/json': { schema: {} } }, raw: {} },
    responses: {},
    // Not known to be public: the scan sends the low-privileged identity's credentials.
    security: [{ 'rampart-scan-config': [] }],
    servers: [{ url: '/' }],
    deprecated: false,
    tags: [],
    extensions: {},
    raw: {},
  };
}

/** One operation per GraphQL endpoint path (POST when declared, else GET), plus config-named paths. */
export function graphqlEndpoints(ops: readonly Operation[], extra: readonly string[] = []): Operation[] {
  const byPath = new Map<string, Operation>();
  for (const op of ops) {
    if (!looksGraphql(op)) continue;
    const seen = byPath.get(op.path);
    if (seen === undefined || (seen.method !== 'post' && op.method === 'post')) byPath.set(op.path, op);
  }
  for (const path of extra) {
    if (byPath.has(path)) continue;
    byPath.set(path, ops.find((o) => o.path === path && o.method === 'post') ?? syntheticEndpoint(path));
  }
  return [...byPath.values()];
}

/** Why an SDL text is not a usable schema, or undefined when it is. */
export function sdlProblem(sdl: string): string | undefined {
  if (Buffer.byteLength(sdl) > MAX_SDL_BYTES) return `larger than ${MAX_SDL_BYTES} bytes`;
  try {
    buildSchema(sdl);
    return undefined;
  } catch (err) {
    return `not a GraphQL schema: ${(err instanceof Error ? err.message : String(err)).slice(0, 300)}`;
  }
}

/** A schema from SDL text; undefined when it is not one. */
export function schemaFromSdl(sdl: string): GraphQLSchema | undefined {
  if (sdlProblem(sdl) !== undefined) return undefined;
  return buildSchema(sdl);
}

/** A schema from an introspection answer (`{ data: { __schema } }`); undefined when it is not one. */
export function schemaFromIntrospection(answer: unknown): GraphQLSchema | undefined {
  const data = (answer as { data?: unknown } | undefined)?.data;
  if (typeof data !== 'object' || data === null || !('__schema' in data)) return undefined;
  try {
    return buildClientSchema(data as IntrospectionQuery);
  } catch {
    return undefined;
  }
}

// A literal for a required argument that is not the injected one; undefined when none can be made.
function literalFor(arg: GraphQLArgument): string | undefined {
  const t = getNullableType(arg.type);
  if (isListType(t)) return '[]';
  if (isEnumType(t)) return t.getValues()[0]?.name;
  if (isInputObjectType(t)) return undefined;
  switch ((t as GraphQLNamedType).name) {
    case 'Int':
    case 'Float':
      return '1';
    case 'Boolean':
      return 'true';
    default:
      return '"1"';
  }
}

// Scalar fields without required arguments of the returned type, or __typename.
function selection(field: GraphQLField<unknown, unknown>): string {
  const t = getNamedType(field.type);
  if (isScalarType(t) || isEnumType(t)) return '';
  if (isObjectType(t) || isInterfaceType(t)) {
    const leaves = Object.values(t.getFields())
      .filter((f) => {
        const n = getNamedType(f.type);
        return (isScalarType(n) || isEnumType(n)) && f.args.every((a) => !isNonNullType(a.type));
      })
      .slice(0, MAX_SELECTED)
      .map((f) => f.name);
    return ` { ${leaves.length > 0 ? leaves.join(' ') : '__typename'} }`;
  }
  return ' { __typename }';
}

function isStringLike(arg: GraphQLArgument): boolean {
  const t = getNullableType(arg.type);
  return isScalarType(t) && (t.name === 'String' || t.name === 'ID');
}

/** Injection points: each String/ID argument of each root query field (and mutation field when allowed). */
export function graphqlArgs(
  schema: GraphQLSchema,
  options: { mutations: boolean; max: number },
): GraphqlArg[] {
  const out: GraphqlArg[] = [];
  const roots: ['query' | 'mutation', ReturnType<GraphQLSchema['getQueryType']>][] = [
    ['query', schema.getQueryType()],
  ];
  if (options.mutations) roots.push(['mutation', schema.getMutationType()]);
  for (const [root, type] of roots) {
    if (type === null || type === undefined) continue;
    for (const field of Object.values(type.getFields())) {
      for (const arg of field.args) {
        if (out.length >= options.max) return out;
        if (!isStringLike(arg)) continue;
        const others: string[] = [];
        let buildable = true;
        for (const o of field.args) {
          if (o === arg || !isNonNullType(o.type)) continue;
          const lit = literalFor(o);
          if (lit === undefined) buildable = false;
          else others.push(`${o.name}: ${lit}`);
        }
        if (!buildable) continue;
        const args = [`${arg.name}: $v`, ...others].join(', ');
        out.push({
          root,
          field: field.name,
          arg: arg.name,
          type: String(arg.type),
          query: `${root} RampartScan($v: ${String(arg.type)}) { ${field.name}(${args})${selection(field)} }`,
        });
      }
    }
  }
  return out;
}
