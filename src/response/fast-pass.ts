/**
 * The response filter's fast path: one pass over the JSON bytes that decides, without parsing
 * into objects or re-serializing, that the schema allowlist and the masker would leave the body
 * exactly as it is, so the upstream's bytes can go out untouched. It answers "unchanged" or "don't
 * know"; on "don't know" the caller runs the full path (JSON.parse, allowlist, masker), which
 * stays the only place that changes or refuses anything. So this module can only be too cautious.
 *
 * "Don't know" whenever: the bytes are not exactly one JSON value (JSON.parse would decide), a
 * property is undeclared or writeOnly, a oneOf/anyOf or patternProperties need the value, a name
 * masks by rule, the nesting passes a limit, or a leaf could be sensitive (its cheap features pass
 * a classifier's gate and the exact classifier then says so). Keys are matched against the
 * schema by a hash of their bytes, so no string is built for a declared key.
 */
import { blankFeatures, type Features, type MaskJudge } from '../detect/sensitive/index.ts';
import { ANY, finalize, type Node, type ObjectFacet } from './allowlist.ts';
import { compileTemplate, matchTemplate, type ResponseTemplate } from './template.ts';

/** A declared property of an object facet, for byte lookup. */
interface KeyEntry {
  readonly bytes: Uint8Array;
  readonly name: string;
  readonly child: Node | 'writeOnly';
  /** The name's bytes are its JSON spelling (no quote, backslash or control character). */
  readonly raw: boolean;
  /** The key that followed this one last time (objects of one schema repeat their key order). */
  follows: KeyEntry | null;
  /** The name's mode under the last judge that asked (a one-slot cache). */
  judge: MaskJudge | null;
  mode: 0 | 1 | 2;
}

/** Open-addressed table of an object facet's declared keys, by FNV-1a hash of their UTF-8 bytes. */
interface KeyTable {
  readonly mask: number;
  readonly slots: Int32Array;
  readonly entries: readonly KeyEntry[];
  /** For keys spelled with escapes or non-ASCII bytes, looked up by their text. */
  readonly byName: ReadonlyMap<string, KeyEntry>;
  /** The first key of the last object seen (a guess checked byte by byte, never trusted). */
  first: KeyEntry | null;
}

// as int32: a larger literal would make the hash a double in the hot loop
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

function hashBytes(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (let k = 0; k < bytes.length; k++) h = Math.imul(h ^ bytes[k]!, FNV_PRIME);
  return h;
}

function keyEntry(name: string, child: Node | 'writeOnly'): KeyEntry {
  const raw = !/["\\\u0000-\u001f]/.test(name);
  return { bytes: Buffer.from(name, 'utf8'), name, child, raw, follows: null, judge: null, mode: 0 };
}

function tableOf(obj: ObjectFacet): KeyTable {
  // kept on the facet itself: a WeakMap lookup per object costs more than the scan of its keys
  let t = obj.keyTable as KeyTable | undefined;
  if (t !== undefined) return t;
  const entries: KeyEntry[] = [];
  for (const [name, child] of obj.props) {
    entries.push(keyEntry(name, child));
  }
  for (const name of obj.writeOnly) entries.push(keyEntry(name, 'writeOnly'));
  let size = 8;
  while (size < entries.length * 2) size *= 2;
  const slots = new Int32Array(size);
  entries.forEach((e, idx) => {
    let s = hashBytes(e.bytes) & (size - 1);
    while (slots[s] !== 0) s = (s + 1) & (size - 1);
    slots[s] = idx + 1;
  });
  t = { mask: size - 1, slots, entries, byName: new Map(entries.map((e) => [e.name, e])), first: null };
  obj.keyTable = t;
  return t;
}

// Per byte inside strings: STOP marks the closing quote, backslash, control and non-ASCII bytes;
// the other bits are the characters some classifier gates on (see Features).
const STOP = 32;
const AT = 1;
const DOLLAR = 2;
const COLON = 4;
const DOT = 8;
const ASSIGN = 16;
const FLAG = new Uint8Array(256);
const DIGIT = new Uint8Array(256);
const UPPER = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  if (c === 34 || c === 92 || c < 0x20 || c >= 0x80) FLAG[c] = STOP;
  else if (c === 64) FLAG[c] = AT;
  else if (c === 36) FLAG[c] = DOLLAR;
  else if (c === 58) FLAG[c] = COLON | ASSIGN;
  else if (c === 46) FLAG[c] = DOT;
  else if (c === 61) FLAG[c] = ASSIGN;
  if (c >= 48 && c <= 57) DIGIT[c] = 1;
  if (c >= 65 && c <= 90) UPPER[c] = 1;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Mutable features of the string being scanned (the classifiers' gates read them). */
interface ScanFeatures extends Features {
  length: number;
  digits: number;
  run: number;
  upper: number;
  at: boolean;
  dollar: boolean;
  colon: boolean;
  dot: boolean;
  assign: boolean;
}

/** What the fast path compares against: the limits the full path applies. */
export interface FastPassLimits {
  /** Deepest nesting of containers, as the allowlist and the masker count it (root = 1). */
  readonly maxDepth: number;
}

class Scan {
  readonly b: Buffer;
  readonly n: number;
  readonly judge: MaskJudge | null;
  readonly maxDepth: number;
  readonly maxNodes: number;
  i = 0;
  nodes = 0;
  /** Set by string(): the string had an escape or a non-ASCII byte (its bytes are not its text). */
  complex = false;
  /** Set by string() with features on: the FNV-1a hash of its bytes. */
  hash = 0;
  readonly f: ScanFeatures = blankFeatures();

  constructor(b: Buffer, judge: MaskJudge | null, maxDepth: number) {
    this.b = b;
    this.n = b.length;
    this.judge = judge;
    this.maxDepth = judge === null ? maxDepth : Math.min(maxDepth, judge.maxDepth);
    this.maxNodes = judge === null ? Number.POSITIVE_INFINITY : judge.maxNodes;
  }

  ws(): void {
    const b = this.b;
    let i = this.i;
    while (i < this.n && isSpace(b[i]!)) i++;
    this.i = i;
  }

  /**
   * A string starting at the opening quote at this.i; leaves this.i after the closing quote and
   * returns the index of the closing quote, or -1 when the bytes are not a valid JSON string.
   * With `hash`, hashes the bytes; with `features`, counts what the classifiers gate on.
   */
  string(hash: boolean, features: boolean): number {
    const b = this.b;
    const n = this.n;
    let i = this.i + 1;
    let h = FNV_OFFSET;
    let complex = false;
    let digits = 0;
    let upper = 0;
    let flags = 0;
    const start = i;
    for (;;) {
      if (i >= n) return -1;
      const c = b[i]!;
      const fl = FLAG[c]!;
      if (fl === STOP) {
        if (c === 34) break;
        if (c < 0x20) return -1;
        complex = true;
        if (c === 92) {
          const e = b[i + 1];
          if (e === 0x75) {
            if (
              i + 5 >= n ||
              !isHex(b[i + 2]!) ||
              !isHex(b[i + 3]!) ||
              !isHex(b[i + 4]!) ||
              !isHex(b[i + 5]!)
            )
              return -1;
            i += 6;
            continue;
          }
          if (
            e !== 0x22 &&
            e !== 0x5c &&
            e !== 0x2f &&
            e !== 0x62 &&
            e !== 0x66 &&
            e !== 0x6e &&
            e !== 0x72 &&
            e !== 0x74
          )
            return -1;
          i += 2;
          continue;
        }
        i++;
        continue;
      }
      if (hash) h = Math.imul(h ^ c, FNV_PRIME);
      digits += DIGIT[c]!;
      upper += UPPER[c]!;
      flags |= fl;
      i++;
    }
    if (features) {
      const f = this.f;
      f.length = i - start;
      f.digits = digits;
      // the run's over-estimate (worthByRun reads the exact one when it matters): the gates are
      // monotone, so the estimate may only be too cautious
      f.run = digits;
      f.upper = upper;
      f.at = (flags & AT) !== 0;
      f.dollar = (flags & DOLLAR) !== 0;
      f.colon = (flags & COLON) !== 0;
      f.dot = (flags & DOT) !== 0;
      f.assign = (flags & ASSIGN) !== 0;
    }
    this.complex = complex;
    this.hash = h;
    this.i = i + 1;
    return i;
  }

  /** The key at this.i when it is exactly `guess` (spelled as its raw bytes); this.i then after its quote. */
  guessed(guess: KeyEntry): boolean {
    if (!guess.raw) return false;
    const b = this.b;
    const g = guess.bytes;
    const start = this.i + 1;
    const len = g.length;
    if (b[start + len] !== 0x22) return false;
    for (let k = 0; k < len; k++) if (b[start + k] !== g[k]) return false;
    this.i = start + len + 1;
    return true;
  }

  /** The text of the string whose quotes are at q0 and q1 (exactly as JSON.parse reads it). */
  text(q0: number, q1: number): string | undefined {
    if (!this.complex) return this.b.toString('latin1', q0 + 1, q1);
    try {
      return JSON.parse(this.b.toString('utf8', q0, q1 + 1)) as string;
    } catch {
      return undefined;
    }
  }

  /** A number token at this.i; false when it is not valid JSON or the masker could change it. */
  number(name: string): boolean {
    const b = this.b;
    const n = this.n;
    const start = this.i;
    let i = start;
    let exotic = false;
    if (b[i] === 0x2d) i++;
    if (i >= n) return false;
    if (b[i] === 0x30) i++;
    else if (b[i]! >= 0x31 && b[i]! <= 0x39) {
      while (i < n && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
    } else return false;
    if (i < n && b[i] === 0x2e) {
      i++;
      if (!(i < n && b[i]! >= 0x30 && b[i]! <= 0x39)) return false;
      while (i < n && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
    }
    if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
      exotic = true;
      i++;
      if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
      if (!(i < n && b[i]! >= 0x30 && b[i]! <= 0x39)) return false;
      while (i < n && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
    }
    this.i = i;
    const judge = this.judge;
    // the masker looks at safe integers of 9 digits and more: decide those exactly
    if (judge?.detects && b[start] !== 0x2d && (exotic || i - start >= 9)) {
      return !judge.changes(Number(this.b.toString('latin1', start, i)), name);
    }
    return true;
  }

  literal(word: readonly number[]): boolean {
    const b = this.b;
    const i = this.i;
    if (i + word.length > this.n) return false;
    for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return false;
    this.i = i + word.length;
    return true;
  }

  /**
   * Whether the gate still passes once the string between the quotes at q0 and q1 has its exact
   * run in place of the digit count (string() over-estimates it): asked only of strings the gate
   * let through, so a timestamp costs a second look at its bytes, not the exact judge.
   */
  worthByRun(q0: number, q1: number, judge: MaskJudge): boolean {
    const f = this.f;
    if (f.digits < 2) return true;
    const b = this.b;
    let run = 0;
    let current = 0;
    let joined = false;
    for (let k = q0 + 1; k < q1; k++) {
      const c = b[k]!;
      if (DIGIT[c] === 1) {
        if (++current > run) run = current;
        joined = false;
      } else if ((c === 0x20 || c === 0x2d) && current > 0 && !joined) joined = true;
      else {
        current = 0;
        joined = false;
      }
    }
    if (run === f.digits) return true;
    f.run = run;
    return judge.worth(f);
  }

  /**
   * One value at this.i under `node`, nested `depth` containers deep, its nearest property name
   * `name` and that name's mode. False: not valid JSON, or the filters could change something.
   */
  value(node: Node, depth: number, name: string, mode: 0 | 1): boolean {
    if (++this.nodes > this.maxNodes) return false;
    const b = this.b;
    const c = b[this.i];
    if (c === 0x22) {
      const q0 = this.i;
      const judge = this.judge;
      const q1 = this.string(false, judge?.detects === true);
      if (q1 < 0) return false;
      if (judge === null || !judge.detects) return true;
      if (this.complex || mode === 1 || (judge.worth(this.f) && this.worthByRun(q0, q1, judge))) {
        const text = this.text(q0, q1);
        return text !== undefined && !judge.changes(text, name);
      }
      return true;
    }
    if (c === 0x7b) return this.object(node, depth);
    if (c === 0x5b) return this.array(node, depth, name, mode);
    if (c === 0x74) return this.literal(TRUE);
    if (c === 0x66) return this.literal(FALSE);
    if (c === 0x6e) return this.literal(NULL);
    return this.number(name);
  }

  object(node: Node, depth: number): boolean {
    if (depth > this.maxDepth) return false;
    let obj: ObjectFacet | null = null;
    if (node !== ANY) {
      finalize(node);
      if (node.groups.length > 0) return false;
      obj = node.obj;
    }
    const table = obj === null ? null : tableOf(obj);
    const b = this.b;
    const judge = this.judge;
    this.i++;
    if (b[this.i]! <= 0x20) this.ws();
    if (b[this.i] === 0x7d) {
      this.i++;
      return true;
    }
    let prev: KeyEntry | null = null;
    for (;;) {
      if (b[this.i] !== 0x22) return false;
      let child: Node = ANY;
      let name = '';
      let mode: 0 | 1 | 2 = 0;
      const guess: KeyEntry | null = table === null ? null : prev === null ? table.first : prev.follows;
      if (guess !== null && this.guessed(guess)) {
        prev = guess;
        if (guess.child === 'writeOnly') return false;
        child = guess.child;
        name = guess.name;
        if (judge !== null) {
          if (guess.judge !== judge) {
            guess.mode = judge.nameMode(name);
            guess.judge = judge;
          }
          mode = guess.mode;
        }
      } else if (table !== null && obj !== null) {
        const q0 = this.i;
        const q1 = this.string(true, false);
        if (q1 < 0) return false;
        let entry: KeyEntry | undefined;
        if (this.complex) {
          const text = this.text(q0, q1);
          if (text === undefined) return false;
          entry = table.byName.get(text);
          if (entry === undefined) return false;
        } else entry = this.lookup(table, q0 + 1, q1);
        if (entry === undefined) {
          // undeclared: the full path decides what it means (removed, refused, patterns)
          if (obj.additional === 'remove' || obj.patterns.length > 0) return false;
          child = obj.additional;
          if (judge !== null) {
            const text = this.text(q0, q1);
            if (text === undefined) return false;
            name = text;
            mode = judge.nameMode(name);
          }
        } else {
          // learn the order: the next object of this schema is guessed to spell its keys alike
          if (prev === null) table.first = entry;
          else prev.follows = entry;
          prev = entry;
          if (entry.child === 'writeOnly') return false;
          child = entry.child;
          name = entry.name;
          if (judge !== null) {
            if (entry.judge !== judge) {
              entry.mode = judge.nameMode(name);
              entry.judge = judge;
            }
            mode = entry.mode;
          }
        }
      } else {
        const q0 = this.i;
        const q1 = this.string(false, false);
        if (q1 < 0) return false;
        if (judge !== null) {
          const text = this.text(q0, q1);
          if (text === undefined) return false;
          name = text;
          mode = judge.nameMode(name);
        }
      }
      if (mode === 2) return false;
      if (b[this.i]! <= 0x20) this.ws();
      if (b[this.i] !== 0x3a) return false;
      this.i++;
      if (b[this.i]! <= 0x20) this.ws();
      if (!this.value(child, depth + 1, name, mode)) return false;
      if (b[this.i]! <= 0x20) this.ws();
      const c = b[this.i];
      if (c === 0x2c) {
        this.i++;
        if (b[this.i]! <= 0x20) this.ws();
        continue;
      }
      if (c === 0x7d) {
        this.i++;
        return true;
      }
      return false;
    }
  }

  lookup(table: KeyTable, start: number, end: number): KeyEntry | undefined {
    const b = this.b;
    const len = end - start;
    let s = this.hash & table.mask;
    for (;;) {
      const idx = table.slots[s]!;
      if (idx === 0) return undefined;
      const e = table.entries[idx - 1]!;
      if (e.bytes.length === len) {
        let k = 0;
        while (k < len && e.bytes[k] === b[start + k]) k++;
        if (k === len) return e;
      }
      s = (s + 1) & table.mask;
    }
  }

  array(node: Node, depth: number, name: string, mode: 0 | 1): boolean {
    if (depth > this.maxDepth) return false;
    let prefix: readonly Node[] = NO_NODES;
    let items: Node = ANY;
    if (node !== ANY) {
      finalize(node);
      if (node.groups.length > 0) return false;
      if (node.arr !== null) {
        prefix = node.arr.prefix;
        items = node.arr.items;
      }
    }
    const b = this.b;
    this.i++;
    if (b[this.i]! <= 0x20) this.ws();
    if (b[this.i] === 0x5d) {
      this.i++;
      return true;
    }
    for (let k = 0; ; k++) {
      const child = k < prefix.length ? prefix[k]! : items;
      if (!this.value(child, depth + 1, name, mode)) return false;
      if (b[this.i]! <= 0x20) this.ws();
      const c = b[this.i];
      if (c === 0x2c) {
        this.i++;
        if (b[this.i]! <= 0x20) this.ws();
        continue;
      }
      if (c === 0x5d) {
        this.i++;
        return true;
      }
      return false;
    }
  }
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];
const NO_NODES: readonly Node[] = [];

/** The members of an object facet in the order the scan saw them last, then the rest as declared. */
function learnedOrder(obj: ObjectFacet): readonly string[] {
  const t = obj.keyTable as KeyTable | undefined;
  const out: string[] = [];
  const seen = new Set<string>();
  for (let e = t?.first ?? null; e !== null && !seen.has(e.name); e = e.follows) {
    seen.add(e.name);
    if (e.child !== 'writeOnly') out.push(e.name);
  }
  for (const name of obj.props.keys()) if (!seen.has(name)) out.push(name);
  return out;
}

/** The templates of one schema and judge, compiled on first use, and how well they fit the traffic. */
interface TemplateSlot {
  readonly maxDepth: number;
  /** undefined: not compiled yet; null: the schema cannot be spelled as one. */
  compact: ResponseTemplate | null | undefined;
  spaced: ResponseTemplate | null | undefined;
  /** The spaced template matched last: it is tried first. */
  spacedFirst: boolean;
  /** Hits raise it, misses the scan found unchanged lower it; below zero the templates rest. */
  score: number;
  /** Responses since the templates rested, to try them again now and then. */
  resting: number;
  /** Rebuilds with the member order the scan learned, at most MAX_REBUILDS. */
  rebuilds: number;
}

const MAX_REBUILDS = 4;
const MAX_SCORE = 64;
const MISS_COST = 4;
const PROBE_EVERY = 256;
const templateSlots = new WeakMap<Node, Map<MaskJudge | null, TemplateSlot>>();

function slotOf(root: Node, judge: MaskJudge | null, maxDepth: number): TemplateSlot {
  let byJudge = templateSlots.get(root);
  if (byJudge === undefined) {
    byJudge = new Map();
    templateSlots.set(root, byJudge);
  }
  let slot = byJudge.get(judge);
  if (slot === undefined || slot.maxDepth !== maxDepth) {
    slot = {
      maxDepth,
      compact: undefined,
      spaced: undefined,
      spacedFirst: false,
      score: 0,
      resting: 0,
      rebuilds: 0,
    };
    byJudge.set(judge, slot);
  }
  return slot;
}

/** How the templates of `root` for `judge` fit the traffic so far (for tests and diagnostics). */
export function templateState(
  root: Node,
  judge: MaskJudge | null,
): { readonly score: number; readonly rebuilds: number } | undefined {
  const slot = templateSlots.get(root)?.get(judge);
  return slot === undefined ? undefined : { score: slot.score, rebuilds: slot.rebuilds };
}

/** One template's answer (compiled on first use): see matchTemplate; false also when there is none. */
function attempt(
  slot: TemplateSlot,
  root: Node,
  judge: MaskJudge | null,
  bytes: Buffer,
  spaced: boolean,
): boolean | 'changes' {
  let t = spaced ? slot.spaced : slot.compact;
  if (t === undefined) {
    t = compileTemplate(root, judge, slot.maxDepth, learnedOrder, spaced);
    if (spaced) slot.spaced = t;
    else slot.compact = t;
  }
  return t === null ? false : matchTemplate(t, bytes);
}

/**
 * True when `bytes` are exactly one JSON value that filtering by `root` (ANY: no schema) and
 * masking by `judge` (null: no masker) would both leave as it is. False means "run the full path",
 * never "refuse". The schema's templates (template.ts) answer first; the byte scan decides what
 * they cannot, and teaches them the order of members it sees.
 */
export function unchangedByFilters(
  bytes: Buffer,
  root: Node,
  judge: MaskJudge | null,
  limits: FastPassLimits,
): boolean {
  // a template does not count nodes: below this size no body can pass the masker's node limit
  const slot =
    root === ANY || (judge !== null && bytes.length >= judge.maxNodes)
      ? null
      : slotOf(root, judge, limits.maxDepth);
  let tried = false;
  if (slot !== null) {
    if (slot.score >= 0 || ++slot.resting % PROBE_EVERY === 0) {
      tried = true;
      let r = attempt(slot, root, judge, bytes, slot.spacedFirst);
      if (r === false) {
        r = attempt(slot, root, judge, bytes, !slot.spacedFirst);
        if (r !== false) slot.spacedFirst = !slot.spacedFirst;
      }
      if (r === 'changes') return false;
      if (r === true) {
        slot.score = Math.min(MAX_SCORE, Math.max(0, slot.score) + 1);
        return true;
      }
    }
  }
  const scan = new Scan(bytes, judge, limits.maxDepth);
  scan.ws();
  if (scan.i >= scan.n) return false;
  // the root container is depth 1, as the allowlist and the masker count it
  if (!scan.value(root, 1, '', 0)) return false;
  scan.ws();
  const unchanged = scan.i === scan.n;
  if (unchanged && tried) {
    // the templates missed a body the scan passed: learn its member order, or let them rest
    if (slot!.rebuilds < MAX_REBUILDS) {
      slot!.rebuilds++;
      slot!.compact = undefined;
      slot!.spaced = undefined;
      slot!.score = 0;
    } else slot!.score = Math.max(-MAX_SCORE, slot!.score - MISS_COST);
  }
  return unchanged;
}
