import { isExactInteger, isExactNumber } from '../../util/exact-json.ts';
import { classifyText, classifyValue, type Features, type Gate, gateOf, scannerGate } from './classify.ts';
import { classifyFieldName, fieldSuggestsHash } from './field-name.ts';
import { type MaskStrategy, mask, validateStrategy } from './mask.ts';
import { SENSITIVE_TYPES, type SensitiveType } from './types.ts';

/** The text a scalar is masked as: a string, a number's digits (its source text when kept exact). */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return isExactNumber(value) ? value.rawJSON : undefined;
}

/** Masks every string and number under matching properties (booleans and null stay as they are). */
export interface FieldMaskRule {
  /**
   * A JSON pointer pattern when it starts with '/': segments match literally, '*' matches one
   * segment, '**' any number ('/users/*\/ssn', '/**\/password'). Otherwise a property name matched
   * at any depth, ignoring case and separators ('card_number' matches 'cardNumber').
   */
  readonly field: string;
  readonly strategy: MaskStrategy;
  /** The type counted and given to the strategy; default 'secret_field'. */
  readonly type?: SensitiveType;
}

/** What a JSON masker masks and how. */
export interface JsonMaskerRules {
  /** Explicit field rules; they win over detection. */
  readonly fields?: readonly FieldMaskRule[];
  /** Strategies per detected type; a type without a strategy is left alone (and not looked for). */
  readonly types?: Partial<Readonly<Record<SensitiveType, MaskStrategy>>>;
  /** Infer a type from property names (classifyFieldName), e.g. 'password' → secret_field; default true. */
  readonly fieldNames?: boolean;
  /** Mask sensitive substrings inside longer strings too (classifyText); default false (whole values only). */
  readonly scanText?: boolean;
  /** Detection threshold; default 0.5. */
  readonly minConfidence?: number;
  /** Limit on containers nested in containers (the root object or array is 1); default 64. */
  readonly maxDepth?: number;
  /** Limit on visited values (objects, arrays and leaves); default 1,000,000. */
  readonly maxNodes?: number;
  /** Strings longer than this are not classified (field rules still apply); default 65,536. */
  readonly maxStringLength?: number;
}

/** The masked copy and how many values of each type were masked, or the limit that stopped the walk. */
export type JsonMaskResult =
  | {
      readonly ok: true;
      readonly value: unknown;
      readonly counts: Readonly<Record<SensitiveType, number>>;
      readonly masked: number;
    }
  | { readonly ok: false; readonly reason: 'depth' | 'nodes' };

/**
 * What a caller needs to decide, without building the masked copy, that a masker would change
 * nothing (the response fast path scans the bytes and asks this about names and leaves).
 */
export interface MaskJudge {
  readonly maxDepth: number;
  readonly maxNodes: number;
  /** Whether leaves are classified at all (a type has a strategy). */
  readonly detects: boolean;
  readonly detectTypes: ReadonlySet<SensitiveType>;
  /** Substrings are classified (classifyText), not only whole values. */
  readonly scanText: boolean;
  /** False when no classifier of detectTypes can match a text with these features (scannerGate). */
  worth(f: Features): boolean;
  /** The same gate as data (gateOf), for engines that compile it. */
  readonly gate: Gate;
  /**
   * What a property name does to the values under it: 0 nothing; 1 its leaves need the exact check
   * (the name is a hint that makes bare digits or digests count); 2 they are masked by name.
   */
  nameMode(name: string): 0 | 1 | 2;
  /** Exactly whether the masker changes this leaf under this name (the name's mode 2 aside). */
  changes(value: string | number, name: string): boolean;
}

/** A compiled masker; `judge` is null when its rules need the full walk (JSON pointer rules). */
export type JsonMasker = ((value: unknown) => JsonMaskResult) & { readonly judge: MaskJudge | null };

interface Forced {
  readonly strategy: MaskStrategy;
  readonly type: SensitiveType;
}

interface PointerRule extends Forced {
  readonly segments: readonly string[];
}

interface Frame {
  readonly src: unknown[] | Record<string, unknown>;
  readonly dst: unknown[] | Record<string, unknown>;
  readonly keys: readonly string[] | null;
  index: number;
  readonly depth: number;
  /** The nearest property name: array items are judged by the name of their array. */
  readonly name: string;
  readonly states: readonly number[];
  readonly forced: Forced | null;
}

const MAX_POINTER_RULES = 256;
const MAX_SEGMENTS = 64;
const NAME_CACHE_LIMIT = 10_000;
const EMPTY: readonly number[] = [];

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function parsePointer(pattern: string): string[] {
  return pattern
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function setOwn(dst: Record<string, unknown>, key: string, value: unknown): void {
  // A parsed '__proto__' key is data: assigning it would replace the prototype.
  if (key === '__proto__') {
    Object.defineProperty(dst, key, { value, enumerable: true, writable: true, configurable: true });
  } else dst[key] = value;
}

/** Compiles masking rules once into a function that returns a masked copy of a parsed JSON value. */
export function createJsonMasker(rules: JsonMaskerRules): JsonMasker {
  const maxDepth = rules.maxDepth ?? 64;
  const maxNodes = rules.maxNodes ?? 1_000_000;
  const maxString = rules.maxStringLength ?? 65_536;
  const minConfidence = rules.minConfidence ?? 0.5;
  const useFieldNames = rules.fieldNames ?? true;
  const scanText = rules.scanText ?? false;
  const byType = new Map<SensitiveType, MaskStrategy>();
  for (const type of SENSITIVE_TYPES) {
    const strategy = rules.types?.[type];
    if (strategy !== undefined) {
      validateStrategy(strategy);
      byType.set(type, strategy);
    }
  }
  const detectTypes: ReadonlySet<SensitiveType> = new Set(byType.keys());
  const byName = new Map<string, Forced>();
  const pointers: PointerRule[] = [];
  for (const rule of rules.fields ?? []) {
    validateStrategy(rule.strategy);
    const forced = { strategy: rule.strategy, type: rule.type ?? 'secret_field' };
    if (rule.field.startsWith('/')) {
      const segments = parsePointer(rule.field);
      if (segments.length > MAX_SEGMENTS) throw new RangeError(`mask rule ${rule.field}: too many segments`);
      pointers.push({ ...forced, segments });
    } else {
      const name = normaliseName(rule.field);
      if (name === '')
        throw new RangeError(`mask rule '${rule.field}': a property name needs a letter or digit`);
      byName.set(name, forced);
    }
  }
  if (pointers.length > MAX_POINTER_RULES) throw new RangeError('too many JSON pointer mask rules');
  const nameCache = new Map<string, SensitiveType | null>();

  // Pointer patterns run as an NFA over path segments: a state is rule * 65 + position.
  function closure(states: number[], rule: number, pos: number): void {
    const segs = pointers[rule]!.segments;
    states.push(rule * 65 + pos);
    if (segs[pos] === '**') closure(states, rule, pos + 1);
  }
  const startStates: number[] = [];
  for (let r = 0; r < pointers.length; r++) closure(startStates, r, 0);

  function advance(states: readonly number[], key: string): number[] {
    const next: number[] = [];
    for (const st of states) {
      const rule = Math.floor(st / 65);
      const pos = st % 65;
      const seg = pointers[rule]!.segments[pos];
      if (seg === undefined) continue;
      if (seg === '**') closure(next, rule, pos);
      else if (seg === '*' || seg === key) closure(next, rule, pos + 1);
    }
    return next.length > 1 ? [...new Set(next)] : next;
  }

  function pointerMatch(states: readonly number[]): Forced | null {
    for (const st of states) {
      const rule = pointers[Math.floor(st / 65)]!;
      if (st % 65 === rule.segments.length) return rule;
    }
    return null;
  }

  const ruleCache = new Map<string, Forced | null>();
  function nameRule(name: string): Forced | null {
    let rule = ruleCache.get(name);
    if (rule === undefined) {
      rule = byName.get(normaliseName(name)) ?? null;
      if (ruleCache.size < NAME_CACHE_LIMIT) ruleCache.set(name, rule);
    }
    return rule;
  }

  function inferredType(name: string): SensitiveType | null {
    let t = nameCache.get(name);
    if (t === undefined) {
      t = classifyFieldName(name);
      if (nameCache.size < NAME_CACHE_LIMIT) nameCache.set(name, t);
    }
    return t;
  }

  function detects(value: string, name: string): boolean {
    if (value.length > maxString || value.length < 3) return false;
    if (!scanText)
      return classifyValue(value, { types: detectTypes, minConfidence, fieldName: name }) !== null;
    return classifyText(value, { types: detectTypes, minConfidence }).length > 0;
  }

  const modeCache = new Map<string, 0 | 1 | 2>();
  function nameMode(name: string): 0 | 1 | 2 {
    let m = modeCache.get(name);
    if (m !== undefined) return m;
    m = 0;
    const inferred = inferredType(name);
    if (
      (byName.size > 0 && nameRule(name) !== null) ||
      (useFieldNames && inferred !== null && byType.has(inferred))
    )
      m = 2;
    else if (byType.size > 0 && !scanText) {
      // hinted() in classifyValue: bare digits under a card/ssn/… name, digests under a hash name
      const hint = classifyFieldName(name);
      if (
        (hint !== null && detectTypes.has(hint)) ||
        (detectTypes.has('password_hash') && fieldSuggestsHash(name))
      )
        m = 1;
    }
    if (modeCache.size < NAME_CACHE_LIMIT) modeCache.set(name, m);
    return m;
  }

  const judge: MaskJudge | null =
    pointers.length > 0
      ? null
      : {
          maxDepth,
          maxNodes,
          detects: byType.size > 0,
          detectTypes,
          scanText,
          worth: scannerGate(detectTypes),
          gate: gateOf(detectTypes),
          nameMode,
          changes(value, name) {
            if (byType.size === 0) return false;
            if (typeof value === 'string') return detects(value, name);
            return Number.isSafeInteger(value) && value >= 100_000_000 && detects(String(value), name);
          },
        };

  const maskJson = function maskJson(input: unknown): JsonMaskResult {
    const counts: Record<SensitiveType, number> = Object.create(null);
    for (const t of SENSITIVE_TYPES) counts[t] = 0;
    let masked = 0;
    let nodes = 0;

    function maskScalar(value: unknown, forced: Forced): unknown {
      const text = scalarText(value);
      if (text === undefined) return value;
      counts[forced.type]++;
      masked++;
      return mask(text, forced.strategy, forced.type);
    }

    function detect(value: string, name: string): string {
      if (value.length > maxString || value.length < 3) return value;
      if (!scanText) {
        const m = classifyValue(value, { types: detectTypes, minConfidence, fieldName: name });
        if (m === null) return value;
        counts[m.type]++;
        masked++;
        return mask(value, byType.get(m.type)!, m.type);
      }
      const found = classifyText(value, { types: detectTypes, minConfidence });
      if (found.length === 0) return value;
      let out = '';
      let at = 0;
      for (const m of found) {
        out += value.slice(at, m.start) + mask(value.slice(m.start, m.end), byType.get(m.type)!, m.type);
        at = m.end;
        counts[m.type]++;
        masked++;
      }
      return out + value.slice(at);
    }

    // Returns the masked leaf, or a fresh container for the walker to fill.
    function visit(value: unknown, name: string, forced: Forced | null): unknown {
      if (forced !== null) return maskScalar(value, forced);
      const exact = isExactNumber(value);
      if (useFieldNames && (typeof value === 'string' || typeof value === 'number' || exact)) {
        const t = inferredType(name);
        const strategy = t === null ? undefined : byType.get(t);
        if (strategy !== undefined && t !== null) return maskScalar(value, { strategy, type: t });
      }
      if (typeof value === 'string') return byType.size === 0 ? value : detect(value, name);
      if (
        typeof value === 'number' &&
        Number.isSafeInteger(value) &&
        value >= 100_000_000 &&
        byType.size > 0
      ) {
        const s = String(value);
        const d = detect(s, name);
        return d === s ? value : d;
      }
      // an integer a double cannot hold (a 19-digit card number, say), kept as its digits
      if (exact && byType.size > 0 && isExactInteger(value)) {
        const d = detect(value.rawJSON, name);
        return d === value.rawJSON ? value : d;
      }
      return value;
    }

    function ruleFor(states: readonly number[], name: string): Forced | null {
      return (
        (states.length > 0 ? pointerMatch(states) : null) ??
        (byName.size > 0 && name !== '' ? nameRule(name) : null)
      );
    }

    const stack: Frame[] = [];
    function open(
      value: unknown,
      depth: number,
      name: string,
      states: readonly number[],
      forced: Forced | null,
    ): unknown {
      if (value === null || typeof value !== 'object' || isExactNumber(value))
        return visit(value, name, forced);
      const isArray = Array.isArray(value);
      const src = value as unknown[] | Record<string, unknown>;
      const dst: unknown[] | Record<string, unknown> = isArray ? [] : {};
      stack.push({
        src,
        dst,
        keys: isArray ? null : Object.keys(src),
        index: 0,
        depth,
        name,
        states,
        forced,
      });
      return dst;
    }

    if (input !== null && typeof input === 'object' && maxDepth < 1) return { ok: false, reason: 'depth' };
    const rootForced = ruleFor(startStates, '');
    const root = open(input, 1, '', startStates, rootForced);
    nodes++;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const keys = frame.keys;
      const len = keys === null ? (frame.src as unknown[]).length : keys.length;
      if (frame.index >= len) {
        stack.pop();
        continue;
      }
      if (++nodes > maxNodes) return { ok: false, reason: 'nodes' };
      const i = frame.index++;
      const key = keys === null ? String(i) : keys[i]!;
      const child = keys === null ? (frame.src as unknown[])[i] : (frame.src as Record<string, unknown>)[key];
      const name = keys === null ? frame.name : key;
      const states = pointers.length > 0 ? advance(frame.states, key) : EMPTY;
      const forced = frame.forced ?? ruleFor(states, keys === null ? '' : key);
      if (
        child !== null &&
        typeof child === 'object' &&
        frame.depth + 1 > maxDepth &&
        !isExactNumber(child)
      ) {
        return { ok: false, reason: 'depth' };
      }
      const out = open(child, frame.depth + 1, name, states, forced);
      if (keys === null) (frame.dst as unknown[]).push(out);
      else setOwn(frame.dst as Record<string, unknown>, key, out);
    }
    return { ok: true, value: root, counts, masked };
  };
  return Object.assign(maskJson, { judge });
}
