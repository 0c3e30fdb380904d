/**
 * The response filter's template: a response schema, an order of its members and a masker's gate
 * compiled into one regular expression over the body's bytes (read as latin1, one character per
 * byte), so that V8's native regular-expression code, not a JavaScript loop, proves that the
 * allowlist and the masker would leave a body as it is. A match answers "unchanged" once the few
 * leaves the expression captured pass the masker's exact check; no match answers "don't know" and
 * the caller runs the byte scan (fast-pass.ts). So, like the scan, this can only be too cautious.
 *
 * What the expression accepts, by construction:
 * - exactly one JSON value; the compact template allows no whitespace between tokens, the spaced
 *   one JSON's whitespace;
 * - values of the types their schema declares (the allowlist would pass others, but the byte scan
 *   decides them);
 * - objects whose members are declared and not writeOnly, in one order (the declared one, or the
 *   one the byte scan learned from traffic), each present or not, except that the first member
 *   spelled must be there when any is, and a required member always (the allowlist does not ask
 *   for it, so a body without one is the byte scan's); names spelled as their bytes (no escapes);
 *   undeclared members only with no masker and a schema that keeps them; no
 *   oneOf/anyOf/patternProperties (the value is needed to decide those);
 * - with a masker: strings whose features fail the masker's gate (no character and no count any
 *   classifier needs), read first as their declared `date` or `date-time` format where the gate
 *   wants no string of that format, and numbers the masker never looks at, without a fraction
 *   where the schema says integer and without a sign where it gives a minimum of 0 or more (both
 *   only hints: a number breaking them is left to the byte scan). Other leaves are
 *   captured where they occur once (not inside an array: a capture in a repeated group keeps only
 *   its last repeat) and judged exactly after the match; inside an array they fail the match.
 *
 * Linear time: every choice in the expression is decided by what comes next. The alternatives of a
 * value start with different characters; a captured leaf's alternative takes only what the safe
 * one refuses; a run of a character class is followed by a character outside it; an optional
 * member or item starts with a comma and its quoted name. So when the engine backtracks, each
 * abandoned choice fails within the token it started (were two alternatives to overlap, a failure
 * at the end of the body would try 2^n ways: test/response/template.test.ts feeds such a body).
 * The lookaheads read one token. The work is linear in the body's length.
 */
import { blankFeatures, type Features, type Gate, type MaskJudge } from '../detect/sensitive/index.ts';
import { ANY, finalize, type Node, type ObjectFacet } from './allowlist.ts';

/** A leaf the expression captured, and how to judge it. */
interface Check {
  readonly name: string;
  readonly number: boolean;
}

/** A compiled template. */
export interface ResponseTemplate {
  readonly re: RegExp;
  /** Capture group k + 1 holds the leaf of checks[k] when it was not plainly safe. */
  readonly checks: readonly Check[];
  readonly judge: MaskJudge | null;
}

/** The expression's source is capped: a schema that expands past it gets no template. */
const MAX_SOURCE = 200_000;
/** Containers the template spells out, at most (deeper ones fail the match). */
const MAX_TEMPLATE_DEPTH = 16;

const SPACE = '[ \\t\\n\\r]*';

/** Nested optionals this deep at most; a longer bound is a counted repeat. */
const MAX_NESTED = 24;

/**
 * `atom` zero to `n` times. Nested optionals, (?:a(?:a(?:a)?)?)?, run as straight-line code: V8
 * compiles a counted repeat {0,n} past 3 into a loop that saves its counter at every step, which
 * cost a third of the template's time. Nested, not a row of a? (a?a? can split a run two ways), so
 * every choice is still decided by the next character.
 */
function upTo(atom: string, n: number): string {
  if (n > MAX_NESTED) return `${atom}{0,${n}}`;
  let out = '';
  for (let k = 0; k < n; k++) out = `(?:${atom}${out})?`;
  return out;
}
const ANY_NUMBER = '-?(?:0|[1-9]\\d*)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?';
// the masker changes only integers of 1e8 and more: a negative number, or one with 8 digits at
// most before its point and no exponent, is never one (an exponent fails at the next token)
const NEGATIVE_INTEGER = '-(?:0|[1-9]\\d*)';
const SMALL = `(?:0|[1-9]${upTo('\\d', 7)})`;
const FRACTION = '(?:\\.\\d+)?';
/**
 * The numbers the masker never looks at, narrowed by the schema's hints: no fraction for an
 * integer, no sign for a minimum of 0 or more. A declared number breaking its hint fails the match
 * (or, where it occurs once, is captured and judged), so the hints cost nothing when wrong, and
 * each spares the engine a saved position per number.
 */
const SAFE_NUMBERS = {
  any: `(?:${NEGATIVE_INTEGER}${FRACTION}(?:[eE][+-]?\\d+)?|${SMALL}${FRACTION})`,
  integer: `(?:${NEGATIVE_INTEGER}|${SMALL})`,
  nonNegative: `${SMALL}${FRACTION}`,
  nonNegativeInteger: SMALL,
} as const;
type NumberHint = keyof typeof SAFE_NUMBERS;
// what cannot continue a number: a safe number followed by it is the whole number
const NUMBER_END = '(?![\\d.eE+-])';
const ANY_STRING = '"(?:[^"\\\\\\x00-\\x1f]|\\\\(?:["\\\\/bfnrt]|u[0-9a-fA-F]{4}))*"';
// a captured leaf must be its own text: no escape and no byte of a multi-byte character
const PLAIN_STRING_BODY = '[^"\\\\\\x00-\\x1f\\x80-\\xff]*';

/** A string's bytes as a regular-expression literal (latin1: one character per byte). */
function literalBytes(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_]/.test(c) ? c : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

// what each flag of the features means in a text: ':' sets colon and assign, '=' assign
const FLAG_CHARS: readonly (readonly [keyof Features, readonly string[]])[] = [
  ['at', ['@']],
  ['dollar', ['\\$']],
  ['colon', [':']],
  ['dot', ['.']],
  ['assign', [':', '=']],
];

/** The characters (as class members) of the flags `f` needs: all of them, or only the first. */
function flagChars(f: Features, all: boolean): string[] {
  const out: string[] = [];
  for (const [flag, chars] of FLAG_CHARS) {
    if (!f[flag]) continue;
    out.push(...chars);
    if (!all) break;
  }
  return out;
}

/**
 * A lookahead: fewer than `n` characters of class `x` before the string's closing quote. Nested
 * optionals, each a run of other characters then one of `x`: a string that has fewer reaches its
 * quote on the first try. (Counting as (?:[^"x]*x){n} gives back the last run character by
 * character when no `x` follows it, which cost more than the rest of the template together.)
 */
function fewerThan(x: string, n: number): string {
  const other = `[^"${x}]*`;
  let inner = '';
  for (let k = 0; k < n - 1; k++) inner = `(?:[${x}]${other}${inner})?`;
  return `(?=${other}${inner}")`;
}

/**
 * A lookahead: no run of `n` digits joined by single spaces or dashes (Features.run) before the
 * closing quote. Each run is taken whole, at most n - 1 digits, and must end there; other
 * characters go by in runs of their own. A run and the characters between runs start on different
 * characters, so a string without such a run reaches its quote on the first try.
 */
function noRunOf(n: number): string {
  let digits = '';
  for (let k = 0; k < n - 2; k++) digits = `(?:[ -]?\\d${digits})?`;
  return `(?=[^"\\d]*(?:\\d${digits}(?![ -]?\\d)[^"\\d]*)*")`;
}

/**
 * A string (from after its opening quote to after its closing one) whose features fail the gate:
 * no character a classifier needs, fewer characters, digits and capitals than any threshold. For
 * an alternative of several conditions one of them is denied: its character when it has one, else
 * its length. Null when no string is safe.
 */
function safeStringRest(gate: Gate, nested: boolean): string | null {
  let length = gate.length;
  let digits = gate.digits;
  let run = gate.run;
  let upper = gate.upper;
  const excluded = new Set<string>(flagChars(gate, true));
  for (const n of gate.compound) {
    // one condition denied: the first character it needs, else its length, digits or capitals
    const chars = flagChars(n, false);
    if (chars.length > 0) for (const c of chars) excluded.add(c);
    else if (n.length > 0) length = Math.min(length, n.length);
    else if (n.digits > 0) digits = Math.min(digits, n.digits);
    else if (n.run > 0) run = Math.min(run, n.run);
    else if (n.upper > 0) upper = Math.min(upper, n.upper);
    else return null;
  }
  if (length <= 0 || digits <= 0 || run <= 0 || upper <= 0) return null;
  const chars = `[^"\\\\\\x00-\\x1f${[...excluded].join('')}]`;
  const maxLength = length - 1;
  // shorter than every count threshold: nothing to count (the common case, no lookahead)
  const short = Math.min(maxLength, digits - 1, run - 1, upper - 1);
  const upToN = (n: number): string => (nested ? upTo(chars, n) : `${chars}{0,${n}}`);
  if (short === maxLength) return `${Number.isFinite(maxLength) ? upToN(maxLength) : `${chars}*`}"`;
  // longer: a lookahead reads the string once per threshold
  let ahead = '';
  if (digits - 1 < maxLength) ahead += fewerThan('\\d', digits);
  if (run - 1 < maxLength && run < digits) ahead += noRunOf(run);
  if (upper - 1 < maxLength) ahead += fewerThan('A-Z', upper);
  // at least short + 1, then a run: V8 runs an open counted repeat {m,} slower than {m} then *
  const more = Number.isFinite(maxLength) ? upToN(maxLength - short - 1) : `${chars}*`;
  const long = `${ahead}${chars}{${short + 1}}${more}"`;
  return `(?:${upToN(short)}"|${long})`;
}

const DATE = '"\\d\\d\\d\\d-\\d\\d-\\d\\d"';
/**
 * String formats the template spells as fixed patterns (quotes included), with the most any of
 * their strings shows: the gates are monotone, so when `most` fails the masker's gate, every string
 * of the pattern does.
 */
export const FORMATS: ReadonlyMap<string, { readonly pattern: string; readonly most: Features }> = new Map([
  ['date', { pattern: DATE, most: { ...blankFeatures(), length: 10, digits: 8, run: 8 } }],
  [
    'date-time',
    {
      // RFC 3339, the fraction up to nanoseconds; its longest run is the fraction and a '-' offset
      pattern: `${DATE.slice(0, -1)}[Tt]\\d\\d:\\d\\d:\\d\\d(?:\\.\\d${upTo('\\d', 8)})?(?:[Zz]|[+-]\\d\\d:\\d\\d)"`,
      most: {
        ...blankFeatures(),
        length: 35,
        digits: 27,
        run: 11,
        upper: 2,
        colon: true,
        dot: true,
        assign: true,
      },
    },
  ],
]);

/** What the schema says of its numbers that narrows the safe pattern (see SAFE_NUMBERS). */
function numberHint(node: Node): NumberHint {
  const types = node.test.types;
  const integer = types?.has('integer') === true && !types.has('number');
  if (node.nonNegative) return integer ? 'nonNegativeInteger' : 'nonNegative';
  return integer ? 'integer' : 'any';
}

/** The order of an object facet's members that the template spells: learned, else declared. */
export type MemberOrder = (obj: ObjectFacet) => readonly string[];

class Compiler {
  readonly checks: Check[] = [];
  size = 0;
  readonly judge: MaskJudge | null;
  readonly detects: boolean;
  readonly safeRest: string | null;
  /** The same language, compact: for the lookahead that keeps a captured leaf off safe ones (rarely run). */
  readonly safeRestCheck: string | null;
  readonly maxDepth: number;
  readonly order: MemberOrder;
  /** Whitespace between tokens: '' for the compact template, JSON's whitespace for the spaced one. */
  readonly w: string;

  constructor(judge: MaskJudge | null, maxDepth: number, order: MemberOrder, spaced: boolean) {
    this.judge = judge;
    this.w = spaced ? SPACE : '';
    this.detects = judge?.detects === true;
    this.safeRest = judge === null || !judge.detects ? null : safeStringRest(judge.gate, true);
    this.safeRestCheck = judge === null || !judge.detects ? null : safeStringRest(judge.gate, false);
    this.maxDepth = Math.min(maxDepth, judge?.maxDepth ?? maxDepth, MAX_TEMPLATE_DEPTH);
    this.order = order;
  }

  /** Counts `n` characters of source against the cap (each piece once, where it is made). */
  count(n: number): void {
    this.size += n;
    if (this.size > MAX_SOURCE) throw new TemplateTooLarge();
  }

  /** A leaf's pattern, counted. */
  leaf(part: string): string {
    this.count(part.length);
    return part;
  }

  capture(name: string, number: boolean, body: string): string {
    this.checks.push({ name, number });
    return `(${body})`;
  }

  string(name: string, mode: 0 | 1, repeated: boolean, format: string | null): string | null {
    if (!this.detects) return this.leaf(ANY_STRING);
    const safe = this.safeRest === null || mode === 1 ? null : `"${this.safeRest}`;
    let out: string | null;
    if (repeated) out = safe;
    else if (safe === null) out = `"${this.capture(name, false, PLAIN_STRING_BODY)}"`;
    // the captured alternative takes only what the safe one does not: were they to overlap, a
    // failure further on would try both for every such leaf, 2^n ways
    else out = `(?:${safe}|"(?!${this.safeRestCheck})${this.capture(name, false, PLAIN_STRING_BODY)}")`;
    if (out === null) return null;
    const known = safe === null ? null : this.formatPattern(format);
    // a string of the declared format is read straight, with no count; the others as before, and
    // only they (disjoint again)
    return this.leaf(known === null ? out : `(?:${known}|(?!${known})${out})`);
  }

  /** The pattern of `format` when the masker's gate wants none of its strings; else null. */
  formatPattern(format: string | null): string | null {
    const f = format === null ? undefined : FORMATS.get(format);
    if (f === undefined || this.judge === null || this.judge.worth(f.most)) return null;
    return f.pattern;
  }

  number(name: string, repeated: boolean, hint: NumberHint): string {
    if (!this.detects) return this.leaf(ANY_NUMBER);
    const safe = SAFE_NUMBERS[hint];
    if (repeated) return this.leaf(safe);
    return this.leaf(`(?:${safe}|(?!${safe}${NUMBER_END})${this.capture(name, true, ANY_NUMBER)})`);
  }

  /** A value under `node`, `depth` containers deep (root 1), named `name` (its mode `mode`). */
  value(node: Node, depth: number, name: string, mode: 0 | 1, repeated: boolean): string {
    if (node !== ANY) finalize(node);
    // only the declared types: a value of another type fails the match (the allowlist lets it
    // pass, but the byte scan decides it), and the first alternative is the likely one
    const types = node.test.types;
    const has = (t: string): boolean => types === null || types.has(t);
    const alts: string[] = [];
    if (has('string')) {
      const str = this.string(name, mode, repeated, node.format);
      if (str !== null) alts.push(str);
    }
    if (has('number') || has('integer')) alts.push(this.number(name, repeated, numberHint(node)));
    if (has('boolean')) alts.push('true|false');
    if (has('null')) alts.push('null');
    if (node !== ANY && depth <= this.maxDepth && node.groups.length === 0) {
      if (has('object') && node.obj !== null && node.obj.patterns.length === 0)
        alts.push(this.object(node.obj, node.test.required, depth, repeated));
      if (has('array')) alts.push(this.array(node, depth, name, mode));
    }
    this.count(16 + alts.length);
    // no alternative: nothing matches here
    return alts.length === 0 ? '(?!)' : `(?:${alts.join('|')})`;
  }

  object(obj: ObjectFacet, required: ReadonlySet<string>, depth: number, repeated: boolean): string {
    const judge = this.judge;
    const w = this.w;
    // members in one order, each present or not, except that the first one spelled must be there
    // when any is: what keeps every choice decided by its next character, with no lookbehind.
    // A required member is spelled as present: an optional group costs the engine a saved
    // position per member, and a body that lacks one fails the match for the byte scan to decide
    let first = '';
    let rest = '';
    let mandatory = false;
    const declared: string[] = [];
    for (const key of this.order(obj)) {
      const child = obj.props.get(key);
      if (child === undefined) continue;
      declared.push(key);
      // a name spelled with escapes in the body fails the match: the byte scan decodes it
      if (/["\\\u0000-\u001f]/.test(key)) continue;
      const mode = judge === null ? 0 : judge.nameMode(key);
      if (mode === 2) continue;
      const member = `"${literalBytes(key)}"${w}:${w}${this.value(child, depth + 1, key, mode, repeated)}${w}`;
      this.count(4 * key.length + 16 + 4 * w.length);
      const needed = required.has(key);
      mandatory ||= needed;
      if (first === '') first = member;
      else if (needed) rest += `,${w}${member}`;
      else rest += `(?:,${w}${member})?`;
    }
    if (obj.additional !== 'remove' && judge === null) {
      // undeclared members after the declared ones, filtered by `additional`; a declared name (or
      // one spelled with escapes, which might be one) is not undeclared
      const names = [...declared, ...obj.writeOnly].map(literalBytes).join('|');
      const notDeclared = names.length === 0 ? '' : `(?!"(?:${names})")`;
      const value = this.value(obj.additional, depth + 1, '', 0, true);
      const member = `${notDeclared}"[^"\\\\\\x00-\\x1f]*"${w}:${w}${value}${w}`;
      this.count(notDeclared.length + 32 + 4 * w.length);
      if (first === '') first = member;
      rest += `(?:,${w}${member})*`;
    }
    this.count(16 + w.length);
    if (first === '') return `\\{${w}\\}`;
    return mandatory ? `\\{${w}${first}${rest}\\}` : `\\{${w}(?:${first}${rest})?\\}`;
  }

  array(node: Node, depth: number, name: string, mode: 0 | 1): string {
    // items repeat: a capture inside keeps only the last, so everything inside is judged as repeated
    const w = this.w;
    const prefix = node.arr?.prefix ?? [];
    const item = this.value(node.arr?.items ?? ANY, depth + 1, name, mode, true);
    let tail = `(?:,${w}${item}${w})*`;
    this.count(16 + 2 * w.length);
    for (let k = prefix.length - 1; k >= 1; k--) {
      tail = `(?:,${w}${this.value(prefix[k]!, depth + 1, name, mode, true)}${w}${tail})?`;
      this.count(16 + 2 * w.length);
    }
    // the item's pattern is spelled twice when it is also the first
    if (prefix.length === 0) this.count(item.length);
    const head = prefix.length === 0 ? item : this.value(prefix[0]!, depth + 1, name, mode, true);
    this.count(16 + 2 * w.length);
    return `\\[${w}(?:${head}${w}${tail})?\\]`;
  }
}

class TemplateTooLarge extends Error {}

/**
 * The template of `root` for `judge` (null: no masker), its objects' members in `order`, compact
 * (no whitespace between tokens) or `spaced`; null
 * when the schema cannot be spelled within the size cap.
 */
export function compileTemplate(
  root: Node,
  judge: MaskJudge | null,
  maxDepth: number,
  order: MemberOrder,
  spaced: boolean,
): ResponseTemplate | null {
  const c = new Compiler(judge, maxDepth, order, spaced);
  let source: string;
  try {
    source = `^${c.w}${c.value(root, 1, '', 0, false)}${c.w}$`;
  } catch (err) {
    if (err instanceof TemplateTooLarge) return null;
    throw err;
  }
  return { re: new RegExp(source), checks: c.checks, judge };
}

/** Node's Buffer has it (toString('latin1') calls it); @types/node does not declare it. */
interface Latin1Sliceable {
  latin1Slice(start: number, end: number): string;
}

const latin1Slice = (Buffer.prototype as unknown as Partial<Latin1Sliceable>).latin1Slice;

/** The bytes as a latin1 string: latin1Slice directly, as toString's checks and dispatch cost more than the copy. */
function latin1(bytes: Buffer): string {
  return latin1Slice === undefined ? bytes.toString('latin1') : latin1Slice.call(bytes, 0, bytes.length);
}

/**
 * What the template says of `bytes`: true when they match and no captured leaf is one the masker
 * changes; false when they do not match (don't know); 'changes' when a captured leaf would be masked.
 */
export function matchTemplate(t: ResponseTemplate, bytes: Buffer): boolean | 'changes' {
  const m = t.re.exec(latin1(bytes));
  if (m === null) return false;
  const judge = t.judge;
  if (judge === null) return true;
  const checks = t.checks;
  for (let k = 0; k < checks.length; k++) {
    const leaf = m[k + 1];
    if (leaf === undefined) continue;
    const check = checks[k]!;
    if (judge.changes(check.number ? Number(leaf) : leaf, check.name)) return 'changes';
  }
  return true;
}
