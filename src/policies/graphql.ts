/**
 * GraphQL protection for an endpoint declared as an OpenAPI operation (POST and/or GET) with a
 * `graphql` route setting. Runs in the inspect phase: after authentication (field authorization and
 * introspection read `ctx.identity`) and after the cheaper generic checks. Per request: the body
 * is read once (readBody), each operation is parsed once with graphql-js under `maxTokens`, measured
 * (depth, cost, aliases, directives, introspection, field authorization), validated against the SDL
 * schema with suggestions hidden, its variables coerced to their declared types and string variables
 * put through the injection detectors. Trusted documents replace a hash by its allowlisted text.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  buildSchema,
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  getVariableValues,
  Kind,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import type { RoutePolicy } from '../config/schema.ts';
import { type DetectOptions, detectInjection } from '../detect/injection/index.ts';
import { MAX_INSPECTED_LENGTH } from '../detect/normalize.ts';
import { ConfigError, type RefusalCode, refuse } from '../errors.ts';
import {
  addResponseFilter,
  CONTINUE,
  isJsonMediaType,
  mediaTypeEssence,
  PASS_RESPONSE,
  type PhaseEntry,
  type RequestContext,
  type ResponseBodyHold,
  type ResponseFilter,
  readBody,
  type Verdict,
} from '../gateway/pipeline.ts';
import {
  type AnalysisFailure,
  type AnalysisOptions,
  type AnalysisResult,
  analyzeDocument,
  type FieldRequirement,
  isFailure,
} from '../graphql/analyze.ts';
import { INTROSPECT, introspectionKey } from '../graphql/introspect.ts';
import { documentHash, loadPersisted } from '../graphql/persisted.ts';
import { fromJson, fromQueryString, type GraphqlRequest } from '../graphql/request.ts';
import { stripSuggestions } from '../graphql/suggestions.ts';
import { MemoryState } from '../state/memory.ts';
import type { RateResult, SharedState } from '../state/types.ts';
import { parseJsonSafely } from '../validate/json-scan.ts';
import { getIdentity } from './identity.ts';
import type { PolicyCompileContext, PolicyFactory } from './registry.ts';

type GraphqlRouteConfig = NonNullable<RoutePolicy['graphql']>;

/** Limits that apply when the route does not set them: conservative, like every Rampart default. */
export const GRAPHQL_DEFAULTS = Object.freeze({
  maxDepth: 10,
  maxCost: 1000,
  maxAliases: 15,
  maxDirectives: 10,
  maxTokens: 1000,
  maxBatch: 5,
  maxLength: 10_000,
  defaultListSize: 10,
  maxListSize: 100,
});

/** What the policy measured, in `ctx.facts.graphql` (cost for cost-based limits, and the log). */
export interface GraphqlFacts {
  readonly operations: number;
  readonly cost: number;
  readonly depth: number;
}

/** The key of `ctx.facts` holding GraphqlFacts. */
export const GRAPHQL_FACT = 'graphql';

// Upper bounds of the work on variables: leaves walked and strings inspected per request.
const MAX_VARIABLE_LEAVES = 1000;
// Validated documents by text, so a hot query is parsed and validated once; bounded, starts over when full.
const CACHE_MAX = 512;
const CACHE_MAX_TEXT = 8192;

interface Prepared {
  readonly document: DocumentNode;
  /**
   * Analyses of the document by introspection permission, caller (as field authorization sees
   * it) and operation name, kept when the document has no variables (their values set list sizes).
   */
  readonly analyses: Map<string, AnalysisResult | AnalysisFailure> | undefined;
}

// Analyses kept per cached document (operation names × introspection permission).
const MAX_ANALYSES = 16;

/** Compile one route's GraphQL settings; the returned function does only per-request work. */
export function compileGraphql(c: PolicyCompileContext, g: GraphqlRouteConfig): PhaseEntry['run'] {
  const base = dirname(c.document.file);
  const schemaFile = g.schema === INTROSPECT ? c.document.file : resolve(base, g.schema);
  const schema = g.schema === INTROSPECT ? introspected(c) : sdlSchema(schemaFile);
  const lim = { ...GRAPHQL_DEFAULTS, ...stripUndefined(g) };
  const fieldCosts = new Map<string, number>();
  const typeCosts = new Map<string, number>();
  for (const [k, v] of Object.entries(g.costs ?? {})) (k.includes('.') ? fieldCosts : typeCosts).set(k, v);
  const fieldAuth = new Map<string, FieldRequirement>();
  for (const [k, v] of Object.entries(g.fieldAuth ?? {}))
    fieldAuth.set(k, { roles: v.roles ?? [], scopes: v.scopes ?? [] });
  const options: AnalysisOptions = {
    maxDepth: lim.maxDepth,
    maxCost: lim.maxCost,
    maxAliases: lim.maxAliases,
    maxDirectives: lim.maxDirectives,
    fieldCosts,
    typeCosts,
    defaultFieldCost: 1,
    defaultListSize: lim.defaultListSize,
    maxListSize: lim.maxListSize,
    fieldAuth,
  };
  if (schema !== UNINTROSPECTED) {
    checkCoordinates(schema, Object.keys(g.costs ?? {}), 'costs', schemaFile);
    checkCoordinates(schema, Object.keys(g.fieldAuth ?? {}), 'fieldAuth', schemaFile);
  }
  const introspectionRoles = new Set(g.introspectionRoles ?? []);
  const persisted = g.persisted === undefined ? undefined : loadPersisted(resolve(base, g.persisted.file));
  const persistedRequired = g.persisted?.required === true;
  const inspectVariables = g.inspectVariables !== false;
  const detectOptions: DetectOptions = {};
  const maxBody = Math.min(c.policy.maxBodyBytes ?? 1_048_576, lim.maxLength * lim.maxBatch * 4 + 65_536);
  const cache = new Map<string, Prepared>();
  const costLimit = g.costLimit;
  // memory state when the gateway was compiled without services (tests, tools)
  const state: SharedState | undefined =
    costLimit === undefined ? undefined : (c.services.state ?? new MemoryState());
  const costKeyBase = `gqlcost:${c.method} ${c.template}`;

  /** Take the request's cost from its caller's budget (a free query still counts one unit). */
  const spendCost = async (ctx: RequestContext, cost: number): Promise<Verdict | null> => {
    if (costLimit === undefined || state === undefined) return null;
    const consumer = costLimit.by === 'ip' ? undefined : getIdentity(ctx)?.consumer;
    const key = `${costKeyBase}:${consumer === undefined ? `ip:${ctx.clientIp}` : `c:${consumer}`}`;
    const units = Math.min(Math.max(cost, 1), costLimit.limit);
    let r: RateResult;
    try {
      r = await state.take(key, costLimit.limit, costLimit.windowSeconds * 1000, costLimit.limit, units);
    } catch {
      return {
        kind: 'refuse',
        refusal: refuse('ratelimit.unavailable', 'rate limiting is unavailable; retry later', {
          'retry-after': '1',
        }),
      };
    }
    if (r.allowed) return null;
    return {
      kind: 'refuse',
      refusal: refuse('ratelimit.exceeded', 'query cost budget exhausted; retry later', {
        'retry-after': String(Math.max(1, Math.ceil(r.retryAfterMs / 1000))),
      }),
    };
  };

  /** Parse and validate a document's text, from the cache when it was seen. */
  const prepare = (text: string): Prepared | Verdict => {
    const hit = cache.get(text);
    if (hit !== undefined) return hit;
    let document: DocumentNode;
    try {
      document = parse(text, { maxTokens: lim.maxTokens, noLocation: true });
    } catch (e) {
      // graphql-js gives its token-limit error no code of its own: its fixed wording is all there is
      const tokens = e instanceof GraphQLError && e.message.endsWith('tokens. Parsing aborted.');
      return tokens
        ? no('graphql.tokens', 'too many tokens')
        : no('graphql.parse', 'the document does not parse');
    }
    const fixed = document.definitions.every(
      (d) => d.kind !== Kind.OPERATION_DEFINITION || (d.variableDefinitions?.length ?? 0) === 0,
    );
    return { document, analyses: fixed ? new Map() : undefined };
  };

  // Field authorization sees a caller only through the roles and scopes its rules name: which of
  // those the caller holds is the whole of what an analysis depends on about it.
  const authNames: string[] = [];
  for (const need of fieldAuth.values()) {
    for (const role of need.roles) if (!authNames.includes(`r:${role}`)) authNames.push(`r:${role}`);
    for (const scope of need.scopes) if (!authNames.includes(`s:${scope}`)) authNames.push(`s:${scope}`);
  }
  const callerKey = (caller: { roles: readonly string[]; scopes: readonly string[] } | undefined) => {
    if (fieldAuth.size === 0) return '';
    if (caller === undefined) return 'a';
    if (authNames.length > 30) return null;
    let bits = 0;
    for (let k = 0; k < authNames.length; k++) {
      const name = authNames[k]!;
      const held = name.startsWith('r:') ? caller.roles : caller.scopes;
      if (held.includes(name.slice(2))) bits |= 1 << k;
    }
    return String(bits);
  };

  /** The analysis of one operation request, from the document's own cache when it cannot vary. */
  const analysis = (
    prepared: Prepared,
    r: GraphqlRequest,
    caller: { roles: readonly string[]; scopes: readonly string[] } | undefined,
    allowIntrospection: boolean,
  ): AnalysisResult | AnalysisFailure => {
    const who = callerKey(caller);
    const key = who === null ? null : `${allowIntrospection ? 1 : 0}${who}\u0000${r.operationName ?? ''}`;
    const hit = key === null ? undefined : prepared.analyses?.get(key);
    if (hit !== undefined) return hit;
    const result = analyzeDocument(
      schema,
      prepared.document,
      r.operationName,
      r.variables,
      options,
      caller,
      allowIntrospection,
    );
    if (key !== null && prepared.analyses !== undefined && prepared.analyses.size < MAX_ANALYSES)
      prepared.analyses.set(key, result);
    return result;
  };

  const validated = (text: string, prepared: Prepared): Verdict | null => {
    if (cache.has(text)) return null;
    const errors = validate(schema, prepared.document, specifiedRules, {
      maxErrors: 5,
      hideSuggestions: true,
    });
    if (errors.length > 0) return no('graphql.invalid', errors[0]!.message);
    if (text.length <= CACHE_MAX_TEXT) {
      if (cache.size >= CACHE_MAX) cache.clear();
      cache.set(text, prepared);
    }
    return null;
  };

  return async function graphqlGuard(ctx: RequestContext): Promise<Verdict> {
    const method = ctx.req.method;
    let extracted: ReturnType<typeof fromJson>;
    let fromBody = false;
    if (method === 'GET' || method === 'HEAD') {
      if (ctx.query.length > lim.maxLength * 4 + 4096) return no('graphql.length', 'query string too long');
      extracted = fromQueryString(ctx.query);
    } else {
      // JSON only: a text/plain or form POST is a "simple" cross-site request, so CSRF could send it
      if (!isJsonContentType(ctx.req.headers['content-type']))
        return no('input.content_type', 'GraphQL requests are sent as application/json');
      const body = await readBody(ctx, maxBody);
      if (body === null) return no('graphql.length', 'request body too long');
      const parsed = parseJsonSafely(body.toString('utf8'), { maxDepth: 64, maxElements: 100_000 });
      if (!parsed.ok) return no('graphql.parse', 'the body is not a GraphQL JSON request');
      extracted = fromJson(parsed.value, lim.maxBatch);
      fromBody = true;
    }
    if (!extracted.ok)
      return extracted.detail === 'batch'
        ? no('graphql.batch', 'too many operations in the batch')
        : no('graphql.parse', extracted.detail);
    if (extracted.batch && !fromBody) return no('graphql.parse', 'batches are sent by POST');

    const identity = getIdentity(ctx);
    const caller = identity === undefined ? undefined : { roles: identity.roles, scopes: identity.scopes };
    const allowIntrospection = identity?.roles.some((r) => introspectionRoles.has(r)) ?? false;
    let totalCost = 0;
    let maxDepth = 0;
    let rewritten = false;
    const forwarded: Record<string, unknown>[] = [];
    for (const r of extracted.requests) {
      const text = resolveText(r);
      if (typeof text !== 'string') return text;
      if (text !== r.query) {
        // the upstream reads a GET's own query string, which the gateway does not rewrite
        if (!fromBody) return no('graphql.persisted', 'persisted documents are run by POST');
        rewritten = true;
      }
      if (text.length > lim.maxLength) return no('graphql.length', 'query too long');
      const prepared = prepare(text);
      if ('kind' in prepared) return prepared;
      const result = analysis(prepared, r, caller, allowIntrospection);
      if (isFailure(result)) return no(FAILURE_CODES[result.code], result.detail);
      // GraphQL over HTTP: GET is safe, so it carries queries only (a link or <img> must not mutate)
      if (!fromBody && result.operation.operation !== 'query')
        return no('graphql.invalid', `a ${result.operation.operation} is sent by POST`);
      const invalid = validated(text, prepared);
      if (invalid !== null) return invalid;
      const coerced = getVariableValues(schema, result.operation.variableDefinitions ?? [], r.variables, {
        maxErrors: 5,
        hideSuggestions: true,
      });
      if (coerced.errors !== undefined) return no('graphql.variables', coerced.errors[0]!.message);
      if (inspectVariables) {
        const hit = inspectStrings(r.variables, detectOptions);
        if (hit !== null) return hit;
      }
      totalCost += result.cost;
      maxDepth = Math.max(maxDepth, result.depth);
      if (totalCost > lim.maxCost) return no('graphql.cost', 'query cost over the budget');
      forwarded.push({ query: text, operationName: r.operationName, variables: r.variables });
    }
    if (costLimit !== undefined) {
      const limited = await spendCost(ctx, totalCost);
      if (limited !== null) return limited;
    }
    const facts: GraphqlFacts = { operations: extracted.requests.length, cost: totalCost, depth: maxDepth };
    ctx.facts[GRAPHQL_FACT] = facts;
    // a persisted document goes upstream as its full text: the upstream need not know the hashes
    if (rewritten) ctx.body = Buffer.from(JSON.stringify(extracted.batch ? forwarded : forwarded[0]));
    addResponseFilter(ctx, SUGGESTION_FILTER);
    return CONTINUE;
  };

  function resolveText(r: GraphqlRequest): string | Verdict {
    if (persisted === undefined) {
      if (r.query === undefined) return no('graphql.persisted', 'persisted documents are not enabled');
      return r.query;
    }
    if (r.hash !== undefined) {
      const known = persisted.get(r.hash);
      if (known === undefined) return no('graphql.persisted', 'unknown document');
      if (r.query !== undefined && r.query !== known)
        return no('graphql.persisted', 'the document does not match its hash');
      return known;
    }
    if (r.query === undefined) return no('graphql.persisted', 'unknown document');
    if (persistedRequired && !persisted.has(documentHash(r.query)))
      return no('graphql.persisted', 'only allowlisted documents are accepted');
    return r.query;
  }
}

// Responses up to this size are held to remove suggestions; a bigger one is data, and passes as sent.
const SUGGESTION_HOLD_MAX = 1_048_576;

const SUGGESTION_MARK = Buffer.from('Did you mean');

const SUGGESTION_HOLD: ResponseBodyHold = {
  maxBytes: SUGGESTION_HOLD_MAX,
  overflow: null,
  body(_head, held) {
    // graphql-js words its suggestions in plain ASCII: bytes without the mark and without any escape
    // (which could spell it) hold none, and need not be parsed
    if (held.jsonReplaced === false && !held.bytes.includes(SUGGESTION_MARK) && !held.bytes.includes(0x5c))
      return PASS_RESPONSE;
    const parsed = held.json();
    if (parsed === undefined) return PASS_RESPONSE;
    const stripped = stripSuggestions(parsed.value);
    return stripped === undefined ? PASS_RESPONSE : { kind: 'json', value: stripped };
  },
};

/**
 * Removes "Did you mean …?" from the upstream's GraphQL errors, whatever the status: local
 * validation already stops unknown fields, this covers a schema the upstream has and the SDL lacks.
 */
const SUGGESTION_FILTER: ResponseFilter = {
  name: 'graphql.suggestions',
  head(head) {
    if (head.method === 'HEAD') return null;
    const essence = mediaTypeEssence(head.headers['content-type']);
    return isJsonMediaType(essence) || essence === 'application/graphql-response+json'
      ? SUGGESTION_HOLD
      : null;
  },
};

const FAILURE_CODES: Readonly<Record<AnalysisFailure['code'], RefusalCode>> = {
  depth: 'graphql.depth',
  cost: 'graphql.cost',
  aliases: 'graphql.aliases',
  directives: 'graphql.directives',
  introspection: 'graphql.introspection',
  field_auth: 'graphql.field_auth',
  operation: 'graphql.invalid',
};

function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const essence = mediaTypeEssence(value);
  return essence === 'application/json' || essence === 'application/graphql-response+json';
}

// What an introspecting route compiles against when the services did not introspect (see introspected).
const UNINTROSPECTED = buildSchema('type Query { _unavailable: Boolean }');

/** Build the schema of an SDL file, or a ConfigError naming the file. */
function sdlSchema(schemaFile: string): GraphQLSchema {
  try {
    return buildSchema(readFileSync(schemaFile, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot build the GraphQL schema: ${(e as Error).message}`, {
      file: schemaFile,
      key: 'graphql.schema',
    });
  }
}

/**
 * The schema createServices introspected for this route. Services built without introspection
 * (validate-config, the CLI's first compile before its services exist) get an empty schema, under
 * which every operation is refused as invalid: such a plan never serves. Services that did
 * introspect but lack the route (it was added by a reload) are a load error: a restart fetches it.
 */
function introspected(c: PolicyCompileContext): GraphQLSchema {
  const path = c.operation?.path ?? c.template;
  const schemas = c.services.graphqlSchemas;
  const found = schemas?.get(introspectionKey(c.api.name, path));
  if (found !== undefined) return found;
  if (schemas === undefined) return UNINTROSPECTED;
  throw new ConfigError(
    `no introspected schema for ${c.api.name} ${path}: restart the gateway to introspect it`,
    {
      file: c.document.file,
      key: 'graphql.schema',
    },
  );
}

/** Refuse at load a `costs` or `fieldAuth` key naming a type or field the schema lacks (a typo would leave a hole). */
function checkCoordinates(
  schema: GraphQLSchema,
  keys: Iterable<string>,
  setting: string,
  file: string,
): void {
  for (const key of keys) {
    const [typeName, field, extra] = key.split('.');
    const type = schema.getType(typeName ?? '');
    const known =
      type !== undefined &&
      extra === undefined &&
      (field === undefined || ('getFields' in type && Object.hasOwn(type.getFields(), field)));
    if (!known)
      throw new ConfigError(`${setting}: "${key}" is not a type or Type.field of the schema`, {
        file,
        key: `graphql.${setting}`,
      });
  }
}

function no(code: RefusalCode, detail: string): Verdict {
  return { kind: 'refuse', refusal: refuse(code, detail) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** Every string leaf of the variables through the injection detectors, iteratively and bounded. */
function inspectStrings(
  variables: Readonly<Record<string, unknown>>,
  options: DetectOptions,
): Verdict | null {
  const stack: unknown[] = [variables];
  let leaves = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (++leaves > MAX_VARIABLE_LEAVES) return no('graphql.variables', 'too many variable values');
      const d = detectInjection(
        v.length > MAX_INSPECTED_LENGTH ? v.slice(0, MAX_INSPECTED_LENGTH) : v,
        options,
      );
      if (d !== null)
        return {
          kind: 'refuse',
          refusal: { code: `inject.${d.kind}` as RefusalCode, detail: 'a variable carries an injection' },
        };
    } else if (typeof v === 'object' && v !== null) {
      for (const child of Object.values(v)) stack.push(child);
    }
  }
  return null;
}

/** The GraphQL policy factory: applies to routes with a `graphql` setting that is not disabled. */
export const graphqlPolicy: PolicyFactory = {
  name: 'graphql',
  phase: 'inspect',
  compile(c: PolicyCompileContext): PhaseEntry | null {
    const g = c.policy.graphql;
    if (g === undefined || g.enabled === false) return null;
    return { name: 'graphql', mode: g.mode ?? c.mode, run: compileGraphql(c, g) };
  },
};
