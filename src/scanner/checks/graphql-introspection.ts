/** API8/API9: GraphQL endpoints that answer the introspection query, or leak field names through "Did you mean" suggestions. */
import type { Operation } from '../../openapi/operations.ts';
import type { Check, ScanContext } from '../context.ts';
import type { Exchange } from '../http.ts';
import { opKey } from '../ops.ts';
import type { CheckMeta } from '../types.ts';
import { actor, parseJson } from './util.ts';

const meta: CheckMeta = {
  id: 'graphql-introspection',
  title: 'GraphQL schema disclosed (introspection or field suggestions)',
  category: 'API8',
  cwe: 200,
  severity: 'low',
  severityReason:
    'Remote and unauthenticated reconnaissance: the whole schema (hidden and admin fields, mutations) is handed to an attacker, which speeds up every other attack; nothing is changed or read directly.',
  description:
    'A GraphQL endpoint answers the standard introspection query with `__schema`, or its validation errors suggest existing field names ("Did you mean …").',
  remediation:
    'Disable introspection for untrusted callers and strip suggestions from errors in production; the Rampart gateway `graphql` policy (introspectionRoles, error masking) refuses introspection to other roles and removes suggestions.',
};

// The standard introspection query's core (types, fields, root types), without the fragments' depth.
const INTROSPECTION =
  'query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name } types { kind name fields(includeDeprecated: true) { name } } directives { name } } }';

// Misspellings of field names most schemas have: graphql-js suggests the real ones within a small edit distance.
const GUESSES = ['usr', 'usrs', 'me_', 'posts_', 'node_', 'viewer_', 'accont', 'ordrs'];
const MAX_BODY = 256 * 1024;

async function ask(
  ctx: ScanContext,
  op: Operation,
  query: string,
): Promise<{ ex: Exchange; value: unknown } | undefined> {
  const identity = actor(ctx, op);
  const req =
    op.method === 'get'
      ? ctx.build(op, { identity, query: { query } })
      : ctx.build(op, { identity, body: { query }, headers: { accept: 'application/json' } });
  if (req === undefined) return undefined;
  const ex = await ctx.send(req);
  const body = ex.response?.body ?? '';
  return { ex, value: body.length <= MAX_BODY ? parseJson(body) : undefined };
}

function schemaOf(value: unknown): { types: unknown[]; queryType: string | undefined } | undefined {
  const schema = (value as { data?: { __schema?: unknown } } | undefined)?.data?.__schema;
  if (typeof schema !== 'object' || schema === null) return undefined;
  const s = schema as { types?: unknown; queryType?: { name?: unknown } };
  return {
    types: Array.isArray(s.types) ? s.types : [],
    queryType: typeof s.queryType?.name === 'string' ? s.queryType.name : undefined,
  };
}

// A near miss of a real root field, so suggestions (when on) name it.
function typoOf(schema: { types: unknown[]; queryType: string | undefined } | undefined): string | undefined {
  const root = schema?.types.find((t) => (t as { name?: unknown }).name === schema.queryType) as
    | { fields?: { name?: unknown }[] }
    | undefined;
  const name = root?.fields?.find(
    (f) => typeof f.name === 'string' && /^[A-Za-z]\w{2,40}$/.test(f.name),
  )?.name;
  return typeof name === 'string' ? name.slice(0, -1) : undefined;
}

function suggestion(value: unknown): string | undefined {
  const errors = (value as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return undefined;
  for (const e of errors.slice(0, 50)) {
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m.includes('Did you mean')) return m.slice(0, 200);
  }
  return undefined;
}

/** Sends the introspection query and a misspelled query to each GraphQL-looking endpoint. */
export const graphqlIntrospectionCheck: Check = {
  meta,
  order: 12,
  units: (plan) =>
    plan.graphqlEndpoints.map((op) => ({
      op,
      label: `${opKey(op)}: introspection query, field suggestions`,
      destructive: false,
    })),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null) return;
    const intro = await ask(ctx, op, INTROSPECTION);
    if (intro === undefined) return;
    const schema = schemaOf(intro.value);
    if (schema !== undefined) {
      ctx.report(meta, {
        op,
        key: 'introspection',
        message: `${opKey(op)} answered the introspection query with __schema (${schema.types.length} types).`,
        evidence: [ctx.evidence(intro.ex, 'the introspection query was answered')],
      });
    }
    const typo = typoOf(schema);
    const fields = [...(typo === undefined ? [] : [typo]), ...GUESSES].join(' ');
    const probe = await ask(ctx, op, `{ ${fields} }`);
    const hint = suggestion(probe?.value);
    if (probe !== undefined && hint !== undefined) {
      ctx.report(meta, {
        op,
        key: 'suggestions',
        severity: 'info',
        message: `${opKey(op)} suggests field names in its errors: "${hint}".`,
        evidence: [ctx.evidence(probe.ex, 'misspelled fields answered with suggestions')],
      });
    }
  },
};
