/** Helpers the checks share: JSON, response comparison, injection points, unit builders. */
import type { Operation } from '../../openapi/operations.ts';
import type { Identity, ScanContext, ScanPlan } from '../context.ts';
import type { GraphqlArg } from '../graphql.ts';
import type { Exchange, ScanRequest } from '../http.ts';
import { isSecured, jsonRequestSchema, opKey } from '../ops.ts';
import { type CheckUnit, isDestructiveMethod } from '../types.ts';
import { exampleValue, objectProperties } from '../values.ts';

type Schema = Readonly<Record<string, unknown>>;

/** Parse JSON, undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Whether an exchange got a 2xx response. */
export function ok(
  ex: Exchange | undefined,
): ex is Exchange & { response: NonNullable<Exchange['response']> } {
  return (
    ex?.response !== null &&
    ex?.response !== undefined &&
    ex.response.status >= 200 &&
    ex.response.status < 300
  );
}

/** Status of an exchange, 0 when there was no response. */
export function status(ex: Exchange | undefined): number {
  return ex?.response?.status ?? 0;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const TIMESTAMP = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?/g;
const LONG_HEX = /\b[0-9a-f]{24,128}\b/gi;

/** A response body with the volatile parts (ids, timestamps, the echoed input) removed, for comparisons. */
export function normalizeBody(body: string, echoes: readonly string[] = []): string {
  let out = body;
  for (const e of echoes) {
    if (e.length === 0) continue;
    out = out.split(e).join('');
    const encoded = JSON.stringify(e).slice(1, -1);
    if (encoded !== e) out = out.split(encoded).join('');
  }
  return out.replace(UUID, 'U').replace(TIMESTAMP, 'T').replace(LONG_HEX, 'H');
}

/** A compact signature of a response: status and normalized body. */
export function signature(ex: Exchange | undefined, echoes: readonly string[] = []): string {
  if (ex?.response === null || ex === undefined) return `error:${ex?.error ?? ''}`;
  return `${ex.response.status}\n${normalizeBody(ex.response.body, echoes)}`;
}

/** Non-destructive operations plus, when allowed, destructive ones: the unit list for per-operation checks. */
export function perOperation(
  plan: ScanPlan,
  filter: (op: Operation) => boolean,
  label: (op: Operation) => string,
  options: { neverDelete?: boolean } = {},
): CheckUnit[] {
  const out: CheckUnit[] = [];
  for (const op of plan.operations) {
    if (!filter(op)) continue;
    if (options.neverDelete === true && op.method === 'delete') continue;
    out.push({ op, label: `${opKey(op)}: ${label(op)}`, destructive: isDestructiveMethod(op.method) });
  }
  return out;
}

/** The identity to act as on an operation: the first low-privileged one for secured operations, else none. */
export function actor(ctx: ScanContext, op: Operation): Identity | null {
  if (!isSecured(op)) return null;
  return ctx.lowPrivileged[0] ?? ctx.identities[0] ?? null;
}

/** Where a value can be injected into a request. */
export interface InjectionPoint {
  readonly in: 'query' | 'path' | 'body' | 'graphql';
  /** The parameter or property name; `field.argument` for GraphQL. */
  readonly name: string;
  readonly schema: Schema | undefined;
  /** For `graphql`: the operation that carries the value as `$v`. */
  readonly graphql?: GraphqlArg;
}

/** Whether an operation is (or shares the path of) a GraphQL endpoint. */
export function onGraphqlPath(plan: ScanPlan, op: Operation): boolean {
  return plan.graphqlEndpoints.some((g) => g.path === op.path);
}

/**
 * Units of an injection check: per-operation units for REST operations that `filter` admits, and one
 * unit per GraphQL endpoint (its arguments are learnt at run time, from SDL or introspection).
 */
export function injectionUnits(
  plan: ScanPlan,
  filter: (op: Operation) => boolean,
  what: string,
): CheckUnit[] {
  const rest = perOperation(
    plan,
    (op) => !onGraphqlPath(plan, op) && filter(op),
    () => what,
    {
      neverDelete: true,
    },
  );
  const graphql = plan.graphqlEndpoints.map((op) => ({
    op,
    label: `${opKey(op)}: ${what} in GraphQL arguments`,
    destructive: false,
  }));
  return [...rest, ...graphql];
}

/**
 * The injection points of an operation: for a GraphQL endpoint its schema's string arguments; for the
 * other method of an endpoint none (its `query` text is a program, not a value); else injectionPoints.
 */
export async function pointsFor(ctx: ScanContext, op: Operation): Promise<InjectionPoint[]> {
  if (ctx.graphqlEndpoints.includes(op)) {
    return (await ctx.graphqlArgs(op)).map((g) => ({
      in: 'graphql' as const,
      name: `${g.field}.${g.arg}`,
      schema: { type: 'string' },
      graphql: g,
    }));
  }
  return onGraphqlPath(ctx, op) ? [] : injectionPoints(op);
}

/** Every query, path and top-level JSON body property of an operation. */
export function injectionPoints(op: Operation): InjectionPoint[] {
  const out: InjectionPoint[] = [];
  for (const p of op.parameters) {
    if (p.in === 'query' || p.in === 'path') out.push({ in: p.in, name: p.name, schema: p.schema });
  }
  const schema = jsonRequestSchema(op);
  for (const [name, sub] of Object.entries(objectProperties(schema))) {
    if (sub.readOnly !== true) out.push({ in: 'body', name, schema: sub });
  }
  return out.slice(0, 30);
}

/** A request for `op` with `value` at `point` (everything else normal). */
export function withValue(
  ctx: ScanContext,
  op: Operation,
  identity: Identity | null,
  point: InjectionPoint,
  value: unknown,
): ScanRequest | undefined {
  if (point.in === 'query') return ctx.build(op, { identity, query: { [point.name]: String(value) } });
  if (point.in === 'path') return ctx.build(op, { identity, path: { [point.name]: String(value) } });
  if (point.graphql !== undefined) {
    const { query } = point.graphql;
    return op.method === 'get'
      ? ctx.build(op, { identity, query: { query, variables: JSON.stringify({ v: value }) } })
      : ctx.build(op, { identity, body: { query, variables: { v: value } } });
  }
  const base = ctx.build(op, { identity });
  if (base === undefined) return undefined;
  const parsed = typeof base.body === 'string' ? parseJson(base.body) : undefined;
  const body: Record<string, unknown> =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? { ...(parsed as Record<string, unknown>) }
      : {};
  body[point.name] = value;
  return ctx.build(op, { identity, body });
}

/** The benign value for a point (what a normal client sends). */
export function benignValue(
  ctx: ScanContext,
  op: Operation,
  identity: Identity | null,
  point: InjectionPoint,
): string {
  if (point.in === 'path') {
    const owned = identity !== null ? ctx.ownedBy(op, identity) : undefined;
    const v = owned?.[point.name];
    if (v !== undefined) return v;
  }
  if (point.in === 'body' && op === ctx.loginOperation) {
    const v =
      identity?.loginBody?.[point.name] ?? ctx.identities.find((i) => i.loginBody)?.loginBody?.[point.name];
    if (typeof v === 'string') return v;
  }
  const ex = exampleValue(point.schema, point.name);
  return typeof ex === 'string' || typeof ex === 'number' ? String(ex) : 'rampart';
}

/** Whether a schema (or its absence) admits a free string. */
export function isStringish(schema: Schema | undefined): boolean {
  const t = schema?.type;
  return t === undefined || t === 'string' || (Array.isArray(t) && t.includes('string'));
}

/** Milliseconds a response took (Infinity without one). */
export function elapsed(ex: Exchange | undefined): number {
  return ex?.response?.elapsedMs ?? Number.POSITIVE_INFINITY;
}
