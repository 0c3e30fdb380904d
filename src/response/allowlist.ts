/**
 * The response schema allowlist: a JSON Schema (as the OpenAPI loader resolved it, $ref cycles as
 * object cycles) compiled once into nodes that say, for a parsed JSON value, which properties may
 * leave. What the schema does not declare is removed, or reported so the caller can refuse;
 * `writeOnly` properties are always removed.
 *
 * Choices, where JSON Schema leaves the allowlist open:
 * - An object schema without `additionalProperties` is closed: undeclared properties are removed
 *   (that is the point of the allowlist). `additionalProperties: true` keeps them as they are, a
 *   schema filters them by it, `false` removes them. `patternProperties` declare what they match.
 * - A schema that declares nothing about objects (no properties, patternProperties,
 *   additionalProperties), e.g. `{}` or `{ type: object }`, is free-form: its objects pass as they
 *   are. Arrays without `items`/`prefixItems` likewise.
 * - `allOf`: the union of its branches' declarations (composition, as APIs use it).
 * - `oneOf`/`anyOf`: the union of the branches that match the value, by a cheap structural test
 *   (the JSON type, the `required` properties present, the `const`/`enum` values a branch pins on
 *   its properties, e.g. a discriminator); when no branch matches, the union of all of them.
 * - `if`/`then`/`else` declare the union of the three; `not` declares nothing.
 * - A property that one merged branch declares `writeOnly` is removed even if another declares it.
 */
import { isExactInteger, isExactNumber } from '../util/exact-json.ts';

/** What an object schema says about an undeclared property: remove it, or keep it filtered by a node. */
type Additional = Node | 'remove';

export interface ObjectFacet {
  readonly props: Map<string, Node>;
  readonly writeOnly: Set<string>;
  readonly patterns: { readonly re: RegExp; readonly node: Node }[];
  additional: Additional;
  /** The response fast path's key table (fast-pass.ts), built on first use. */
  keyTable?: object;
}

interface ArrayFacet {
  readonly prefix: Node[];
  /** Items after the prefix; ANY when not declared. */
  items: Node;
}

/** What a branch test looks at, gathered over the branch's allOf closure. */
interface BranchTest {
  types: Set<string> | null;
  readonly required: Set<string>;
  /** property → the primitive values it may take (const or enum). */
  readonly pinned: Map<string, readonly unknown[]>;
}

/** One compiled schema. Facets of its allOf closure are merged on first use (finalize). */
export interface Node {
  obj: ObjectFacet | null;
  arr: ArrayFacet | null;
  /** allOf parts (and if/then/else), merged in at finalize. */
  readonly parts: Node[];
  /** oneOf / anyOf groups: each picks its matching branches per value. */
  groups: Node[][];
  test: BranchTest;
  finalized: boolean;
  /** Merged facets for a combination of chosen branches, by their indices. */
  readonly picks: Map<string, Node>;
  /** The string `format` the schema names: a hint for the response template, never what decides a body. */
  format: string | null;
  /** The schema declares a minimum of 0 or more: a hint for the response template, like `format`. */
  nonNegative: boolean;
}

const MAX_PICK_CACHE = 64;
const MAX_PATTERN_KEY = 256;
const MAX_REMOVED = 16;

function newNode(): Node {
  return {
    obj: null,
    arr: null,
    parts: [],
    groups: [],
    test: { types: null, required: new Set(), pinned: new Map() },
    finalized: false,
    picks: new Map(),
    format: null,
    nonNegative: false,
  };
}

/** The node that declares nothing: any value passes as it is. */
export const ANY: Node = (() => {
  const n = newNode();
  n.finalized = true;
  return n;
})();

/** A JSON object (a number kept as its text is a number, not an object). */
function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !isExactNumber(v);
}

function isPrimitive(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Compiles schemas of one document; the memo makes shared and recursive schemas compile once. */
export class AllowlistCompiler {
  readonly #memo = new Map<object, Node>();

  /** The node of a schema (true, {} and non-objects declare nothing). Throws on an invalid pattern. */
  compile(schema: unknown): Node {
    if (!isObject(schema)) return ANY;
    const seen = this.#memo.get(schema);
    if (seen !== undefined) return seen;
    const node = newNode();
    this.#memo.set(schema, node);
    this.#fill(node, schema);
    return node;
  }

  #fill(node: Node, s: Record<string, unknown>): void {
    const type = s.type;
    if (typeof type === 'string' || Array.isArray(type)) {
      const types = new Set((Array.isArray(type) ? type : [type]).filter((t) => typeof t === 'string'));
      if (s.nullable === true) types.add('null');
      node.test.types = types;
    }
    if (Array.isArray(s.required))
      for (const r of s.required) if (typeof r === 'string') node.test.required.add(r);
    if (typeof s.format === 'string') node.format = s.format;
    // exclusiveMinimum is a number in JSON Schema 2019+ and OpenAPI 3.1, a flag beside minimum in 3.0
    const min = s.minimum ?? s.exclusiveMinimum;
    if (typeof min === 'number' && min >= 0) node.nonNegative = true;
    const props = isObject(s.properties) ? s.properties : undefined;
    const patterns = isObject(s.patternProperties) ? s.patternProperties : undefined;
    const hasAdditional = 'additionalProperties' in s;
    if (props !== undefined || patterns !== undefined || hasAdditional) {
      const obj: ObjectFacet = { props: new Map(), writeOnly: new Set(), patterns: [], additional: 'remove' };
      for (const key of Object.keys(props ?? {})) {
        const sub = props![key];
        if (sub === false) continue;
        if (isObject(sub)) {
          if (sub.writeOnly === true) {
            obj.writeOnly.add(key);
            continue;
          }
          const pin = 'const' in sub ? [sub.const] : Array.isArray(sub.enum) ? sub.enum : undefined;
          if (pin?.every(isPrimitive)) node.test.pinned.set(key, pin);
        }
        obj.props.set(key, this.compile(sub));
      }
      for (const source of Object.keys(patterns ?? {})) {
        if (patterns![source] === false) continue;
        obj.patterns.push({ re: new RegExp(source, 'u'), node: this.compile(patterns![source]) });
      }
      const add = s.additionalProperties;
      if (hasAdditional && add !== false) obj.additional = add === true ? ANY : this.compile(add);
      node.obj = obj;
    }
    const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : undefined;
    if (prefix !== undefined || 'items' in s) {
      const arr: ArrayFacet = { prefix: [], items: ANY };
      for (const p of prefix ?? []) arr.prefix.push(this.compile(p));
      // 3.0 and 3.1 without prefixItems: `items` is every item; a tuple form (array) is each position
      if (Array.isArray(s.items)) for (const p of s.items) arr.prefix.push(this.compile(p));
      else if (isObject(s.items)) arr.items = this.compile(s.items);
      node.arr = arr;
    }
    for (const key of ['allOf', 'if', 'then', 'else'] as const) {
      const v = s[key];
      if (Array.isArray(v)) for (const sub of v) node.parts.push(this.compile(sub));
      else if (isObject(v)) node.parts.push(this.compile(v));
    }
    for (const key of ['oneOf', 'anyOf'] as const) {
      const v = s[key];
      if (Array.isArray(v) && v.length > 0) node.groups.push(v.map((sub) => this.compile(sub)));
    }
  }
}

function mergeAdditional(a: Additional, b: Additional): Additional {
  if (a === 'remove') return b;
  if (b === 'remove' || a === b) return a;
  if (a === ANY || b === ANY) return ANY;
  return union([a, b]);
}

/** A node declaring what any of `nodes` declares. */
function union(nodes: readonly Node[]): Node {
  const n = newNode();
  for (const x of nodes) n.parts.push(x);
  return n;
}

function mergeFacets(into: Node, from: Node): void {
  if (from.obj !== null) {
    if (into.obj === null) {
      into.obj = { props: new Map(), writeOnly: new Set(), patterns: [], additional: 'remove' };
    }
    const o = into.obj;
    for (const [k, child] of from.obj.props) {
      const had = o.props.get(k);
      o.props.set(k, had === undefined || had === child ? child : had === ANY ? ANY : union([had, child]));
    }
    for (const k of from.obj.writeOnly) o.writeOnly.add(k);
    for (const p of from.obj.patterns) o.patterns.push(p);
    o.additional = mergeAdditional(o.additional, from.obj.additional);
  }
  if (from.arr !== null) {
    if (into.arr === null) into.arr = { prefix: [], items: from.arr.items };
    else if (into.arr.items !== from.arr.items) {
      into.arr.items =
        into.arr.items === ANY || from.arr.items === ANY ? ANY : union([into.arr.items, from.arr.items]);
    }
    from.arr.prefix.forEach((p, i) => {
      const had = into.arr!.prefix[i];
      into.arr!.prefix[i] = had === undefined ? p : union([had, p]);
    });
  }
  for (const g of from.groups) into.groups.push(g);
  if (from.test.types !== null) {
    into.test.types =
      into.test.types === null
        ? new Set(from.test.types)
        : new Set([...into.test.types].filter((t) => from.test.types!.has(t)));
  }
  for (const r of from.test.required) into.test.required.add(r);
  for (const [k, v] of from.test.pinned) if (!into.test.pinned.has(k)) into.test.pinned.set(k, v);
  into.format ??= from.format;
  // allOf: every part holds, so one part's minimum bounds the value
  into.nonNegative ||= from.nonNegative;
}

/** Merge a node's allOf closure into its own facets, once. Only this node changes: children stay references. */
export function finalize(node: Node): void {
  if (node.finalized) return;
  node.finalized = true;
  if (node.parts.length === 0) return;
  const own = newNode();
  mergeFacets(own, node);
  const seen = new Set<Node>([node]);
  const stack = [...node.parts];
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    mergeFacets(own, p);
    for (const q of p.parts) stack.push(q);
  }
  node.obj = own.obj;
  node.arr = own.arr;
  node.groups = own.groups;
  node.test = own.test;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (isExactNumber(v)) return isExactInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** The cheap structural test of a oneOf/anyOf branch: type, required properties, pinned values. */
function branchMatches(branch: Node, value: unknown): boolean {
  finalize(branch);
  const t = branch.test;
  if (t.types !== null) {
    const jt = jsonType(value);
    if (!t.types.has(jt) && !(jt === 'integer' && t.types.has('number'))) return false;
  }
  // required and pinned properties constrain objects only
  if (!isObject(value)) return true;
  for (const r of t.required) if (!Object.hasOwn(value, r)) return false;
  for (const [k, allowed] of t.pinned) {
    if (Object.hasOwn(value, k) && !allowed.includes(value[k])) return false;
  }
  return true;
}

/** The facets that apply to this value: the node's own, plus the branches of its groups that match it. */
function effective(node: Node, value: unknown): Node {
  finalize(node);
  if (node.groups.length === 0) return node;
  const chosen: Node[] = [];
  let key = '';
  for (let g = 0; g < node.groups.length; g++) {
    const group = node.groups[g]!;
    let picked = 0;
    for (let b = 0; b < group.length; b++) {
      if (branchMatches(group[b]!, value)) {
        chosen.push(group[b]!);
        key += `${g}.${b},`;
        picked++;
      }
    }
    if (picked === 0) {
      for (const b of group) chosen.push(b);
      key += `${g}.*,`;
    }
  }
  const cached = node.picks.get(key);
  if (cached !== undefined) return cached;
  const merged = newNode();
  mergeFacets(merged, { ...node, groups: [] });
  for (const c of chosen) {
    finalize(c);
    mergeFacets(merged, effectiveStatic(c));
  }
  merged.groups = [];
  merged.finalized = true;
  if (node.picks.size < MAX_PICK_CACHE) node.picks.set(key, merged);
  return merged;
}

// A chosen branch's nested groups are not picked again: their union is declared (bounded work).
function effectiveStatic(node: Node): Node {
  if (node.groups.length === 0) return node;
  const n = newNode();
  mergeFacets(n, { ...node, groups: [] });
  for (const g of node.groups)
    for (const b of g) {
      finalize(b);
      mergeFacets(n, { ...b, groups: [] });
    }
  n.finalized = true;
  return n;
}

/** What filtering found: the value to send and the pointers of what was removed (bounded). */
export interface FilterResult {
  readonly value: unknown;
  /** Undeclared properties removed (or, in refuse mode, the first found), as JSON pointers. */
  readonly removed: readonly string[];
  readonly removedCount: number;
  /** writeOnly properties removed. */
  readonly writeOnlyCount: number;
  /** The value nests deeper than the limit: nothing was filtered. */
  readonly tooDeep: boolean;
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function setOwn(dst: Record<string, unknown>, key: string, value: unknown): void {
  // a parsed '__proto__' key is data: assigning it would replace the prototype
  if (key === '__proto__') {
    Object.defineProperty(dst, key, { value, enumerable: true, writable: true, configurable: true });
  } else dst[key] = value;
}

/**
 * Filter a parsed JSON value by a compiled node. Copy on write: an unchanged value is returned as
 * the same reference. With `stopAtUndeclared`, the walk stops at the first undeclared property
 * (the caller refuses the response); writeOnly properties are removed either way.
 */
export function filterByAllowlist(
  root: Node,
  input: unknown,
  options: { readonly maxDepth: number; readonly stopAtUndeclared: boolean },
): FilterResult {
  const removed = new Set<string>();
  // the keys from the root to where the walk is; a pointer is built only for what is removed
  const trail: string[] = [];
  let removedCount = 0;
  let writeOnlyCount = 0;
  let tooDeep = false;
  let stop = false;

  function childOf(o: ObjectFacet, key: string): Node | 'remove' | 'writeOnly' {
    if (o.writeOnly.has(key)) return 'writeOnly';
    const p = o.props.get(key);
    if (p !== undefined) return p;
    if (o.patterns.length > 0 && key.length <= MAX_PATTERN_KEY) {
      const hits: Node[] = [];
      for (const pat of o.patterns) if (pat.re.test(key)) hits.push(pat.node);
      if (hits.length === 1) return hits[0]!;
      if (hits.length > 1) return union(hits);
    }
    return o.additional;
  }

  function walk(node: Node, value: unknown, depth: number): unknown {
    if (node === ANY || value === null || typeof value !== 'object' || isExactNumber(value)) return value;
    if (depth > options.maxDepth) {
      tooDeep = true;
      stop = true;
      return value;
    }
    const eff = effective(node, value);
    if (Array.isArray(value)) {
      const arr = eff.arr;
      if (arr === null) return value;
      let out: unknown[] | null = null;
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        const child = i < arr.prefix.length ? arr.prefix[i]! : arr.items;
        trail.push('*');
        const next = walk(child, item, depth + 1);
        trail.pop();
        if (stop) return value;
        if (next !== item && out === null) out = value.slice(0, i);
        if (out !== null) out.push(next);
      }
      return out ?? value;
    }
    const obj = eff.obj;
    if (obj === null) return value;
    const src = value as Record<string, unknown>;
    const keys = Object.keys(src);
    let out: Record<string, unknown> | null = null;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const child = childOf(obj, key);
      let next: unknown;
      let drop = false;
      if (child === 'writeOnly') {
        writeOnlyCount++;
        drop = true;
      } else if (child === 'remove') {
        removedCount++;
        if (removed.size < MAX_REMOVED) removed.add(pointer(key));
        if (options.stopAtUndeclared) {
          stop = true;
          return value;
        }
        drop = true;
      } else {
        trail.push(key);
        next = walk(child, src[key], depth + 1);
        trail.pop();
        if (stop) return value;
      }
      if (out === null && (drop || next !== src[key])) {
        out = {};
        for (let j = 0; j < i; j++) setOwn(out, keys[j]!, src[keys[j]!]);
      }
      if (out !== null && !drop) setOwn(out, key, next);
    }
    return out ?? value;
  }

  function pointer(key: string): string {
    let p = '';
    for (const k of trail) p += `/${k === '*' ? k : escapePointer(k)}`;
    return `${p}/${escapePointer(key)}`;
  }

  const value = walk(root, input, 1);
  return { value: tooDeep ? input : value, removed: [...removed], removedCount, writeOnlyCount, tooDeep };
}
