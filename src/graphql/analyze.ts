/**
 * Static analysis of a parsed GraphQL document before it reaches the upstream: depth (fragments
 * followed, cycles refused), cost (per-type/per-field costs, list multipliers from `first`/`limit`),
 * aliases, directives, introspection and field-level authorization, in one bounded walk.
 */
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/** Compiled limits and costs of one GraphQL route. */
export interface AnalysisOptions {
  readonly maxDepth: number;
  readonly maxCost: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  /** Cost of a field by `Type.field`, else by its named return type, else `defaultFieldCost`/0 for leaves. */
  readonly fieldCosts: ReadonlyMap<string, number>;
  readonly typeCosts: ReadonlyMap<string, number>;
  readonly defaultFieldCost: number;
  /** Multiplier of a list field without a `first`/`limit` argument. */
  readonly defaultListSize: number;
  /** Largest multiplier one list argument may claim (bigger values count as this). */
  readonly maxListSize: number;
  /** Requirements by `Type` (any field selected on it) or `Type.field`. */
  readonly fieldAuth: ReadonlyMap<string, FieldRequirement>;
}

/** Roles and scopes a caller needs for a type or field: any one role, and every scope. */
export interface FieldRequirement {
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
}

/** The caller as field authorization sees it. */
export interface Caller {
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
}

/** Why a document was refused; `code` maps one to one to a `graphql.*` refusal code. */
export interface AnalysisFailure {
  readonly code: 'depth' | 'cost' | 'aliases' | 'directives' | 'introspection' | 'field_auth' | 'operation';
  readonly detail: string;
}

/** What the walk measured (for logs, metrics and cost-based rate limiting). */
export interface AnalysisResult {
  readonly depth: number;
  readonly cost: number;
  readonly aliases: number;
  readonly directives: number;
  readonly introspection: boolean;
  readonly operation: OperationDefinitionNode;
}

// Visits of selections across the expanded document: fragments spread many times multiply work, so
// the walk itself is bounded whatever the limits say.
const MAX_VISITS = 100_000;
const MAX_NESTING = 256;

class Refused extends Error {
  readonly failure: AnalysisFailure;
  constructor(failure: AnalysisFailure) {
    super(failure.detail);
    this.failure = failure;
  }
}

/**
 * Analyse the operation of `document` that `operationName` selects (the only one when null), with
 * variable values for list arguments. Returns the measurements, or the first limit it breaks.
 */
export function analyzeDocument(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null,
  variables: Readonly<Record<string, unknown>>,
  options: AnalysisOptions,
  caller: Caller | undefined,
  allowIntrospection: boolean,
): AnalysisResult | AnalysisFailure {
  // Aliases and directives are counted on the text as sent: expansion is bounded by cost and visits.
  let aliases = 0;
  let directives = 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  countStatic(document, (alias, dirs) => {
    aliases += alias;
    directives += dirs;
  });
  if (aliases > options.maxAliases) return { code: 'aliases', detail: 'too many aliases' };
  if (directives > options.maxDirectives) return { code: 'directives', detail: 'too many directives' };
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    else if (def.kind === Kind.OPERATION_DEFINITION) operations.push(def);
  }
  const operation =
    operationName === null
      ? operations.length === 1
        ? operations[0]
        : undefined
      : operations.find((o) => o.name?.value === operationName);
  if (operation === undefined)
    return {
      code: 'operation',
      detail: operationName === null ? 'several operations and no operationName' : 'unknown operationName',
    };
  const root = schema.getRootType(operation.operation);
  if (root === undefined || root === null)
    return { code: 'operation', detail: `the schema has no ${operation.operation} type` };

  // the values the upstream will use: what was sent, else the operation's declared defaults
  const values: Record<string, unknown> = Object.create(null);
  for (const v of operation.variableDefinitions ?? []) {
    const name = v.variable.name.value;
    if (Object.hasOwn(variables, name) && variables[name] !== null) values[name] = variables[name];
    else if (v.defaultValue?.kind === Kind.INT) values[name] = Number.parseInt(v.defaultValue.value, 10);
  }
  let visits = 0;
  let maxSeen = 0;
  let introspection = false;
  const active = new Set<string>();

  const walk = (set: SelectionSetNode, parent: GraphQLCompositeType, depth: number, nest: number): number => {
    // fragments nest without adding depth: their nesting is bounded too, so the walk's stack is
    if (nest > MAX_NESTING) throw new Refused({ code: 'depth', detail: 'fragments nested too deep' });
    let cost = 0;
    for (const sel of set.selections) {
      if (++visits > MAX_VISITS) throw new Refused({ code: 'cost', detail: 'query too large to analyse' });
      if (sel.kind === Kind.FIELD) {
        cost += fieldCost(sel, parent, depth, nest);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const cond = sel.typeCondition === undefined ? parent : schema.getType(sel.typeCondition.name.value);
        cost += walk(sel.selectionSet, isCompositeType(cond) ? cond : parent, depth, nest + 1);
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (frag === undefined) throw new Refused({ code: 'operation', detail: `unknown fragment ${name}` });
        if (active.has(name))
          throw new Refused({ code: 'depth', detail: 'fragments spread each other in a cycle' });
        const cond = schema.getType(frag.typeCondition.name.value);
        active.add(name);
        cost += walk(frag.selectionSet, isCompositeType(cond) ? cond : parent, depth, nest + 1);
        active.delete(name);
      }
      if (cost > options.maxCost) throw new Refused({ code: 'cost', detail: 'query cost over the budget' });
    }
    return cost;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLCompositeType, depth: number, nest: number): number => {
    const name = node.name.value;
    if (name === '__typename') return 0;
    if (name === '__schema' || name === '__type') {
      introspection = true;
      if (!allowIntrospection)
        throw new Refused({ code: 'introspection', detail: 'introspection is disabled' });
      return 0;
    }
    authorize(options.fieldAuth, parent.name, name, caller);
    const d = depth + 1;
    if (d > maxSeen) maxSeen = d;
    if (d > options.maxDepth) throw new Refused({ code: 'depth', detail: 'query nested too deep' });
    const def = fieldDef(parent, name);
    // unknown fields are left to validation, which reports them without suggestions
    if (def === undefined) return 0;
    const named = getNamedType(def.type) as GraphQLNamedType;
    const own =
      options.fieldCosts.get(`${parent.name}.${name}`) ??
      options.typeCosts.get(named.name) ??
      (isCompositeType(named) ? options.defaultFieldCost : 0);
    if (node.selectionSet === undefined || !isCompositeType(named)) return own;
    const mult = listMultiplier(def.type, node, values, options);
    const inner = walk(node.selectionSet, named, d, nest + 1);
    return own + mult * inner;
  };

  try {
    const cost = walk(operation.selectionSet, root, 0, 0);
    return { depth: maxSeen, cost, aliases, directives, introspection, operation };
  } catch (e) {
    if (e instanceof Refused) return e.failure;
    throw e;
  }
}

/** True when `value` is an AnalysisFailure rather than a result. */
export function isFailure(value: AnalysisResult | AnalysisFailure): value is AnalysisFailure {
  return 'code' in value;
}

function fieldDef(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (!('getFields' in parent)) return undefined;
  return parent.getFields()[name];
}

function authorize(
  rules: ReadonlyMap<string, FieldRequirement>,
  typeName: string,
  field: string,
  caller: Caller | undefined,
): void {
  if (rules.size === 0) return;
  for (const key of [typeName, `${typeName}.${field}`]) {
    const need = rules.get(key);
    if (need === undefined) continue;
    const ok =
      caller !== undefined &&
      (need.roles.length === 0 || need.roles.some((r) => caller.roles.includes(r))) &&
      need.scopes.every((s) => caller.scopes.includes(s));
    if (!ok) throw new Refused({ code: 'field_auth', detail: `not allowed to read ${typeName}.${field}` });
  }
}

function listMultiplier(
  type: GraphQLOutputType,
  node: FieldNode,
  variables: Readonly<Record<string, unknown>>,
  options: AnalysisOptions,
): number {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (!isListType(inner)) return 1;
  for (const arg of node.arguments ?? []) {
    const n = arg.name.value;
    if (n !== 'first' && n !== 'last' && n !== 'limit') continue;
    const v = intValue(arg.value, variables);
    // a negative size means "unknown" to a cost model, not "free": count it as the default
    if (v !== undefined && v >= 0) return Math.min(v, options.maxListSize);
  }
  return options.defaultListSize;
}

function intValue(value: ValueNode, variables: Readonly<Record<string, unknown>>): number | undefined {
  if (value.kind === Kind.INT) return Number.parseInt(value.value, 10);
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : undefined;
  }
  return undefined;
}

/** Count aliases and directives over every node of the document as written (iterative, no recursion limit). */
function countStatic(document: DocumentNode, add: (aliases: number, directives: number) => void): void {
  const stack: unknown[] = [document];
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown>;
    if (node.kind === Kind.FIELD && node.alias !== undefined) add(1, 0);
    if (node.kind === Kind.DIRECTIVE) add(0, 1);
    for (const key in node) {
      if (key === 'loc') continue;
      const v = node[key];
      if (Array.isArray(v)) {
        for (const c of v) if (typeof c === 'object' && c !== null) stack.push(c);
      } else if (typeof v === 'object' && v !== null && 'kind' in v) stack.push(v);
    }
  }
}
