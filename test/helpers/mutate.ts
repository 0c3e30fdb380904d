/**
 * Seeded structural mutations of a parsed YAML or JSON value, for tests that feed malformed
 * configs and documents to a loader: the same seed gives the same mutants on every run.
 */

/** A small linear congruential generator: repeatable, and enough to pick among a few choices. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/** Values that break assumptions: wrong types, edges of numbers, prototype keys, references. */
const ODD: readonly unknown[] = [
  null,
  0,
  -1,
  1e308,
  2 ** 53 + 2,
  0.5,
  '',
  'x',
  '-1',
  '1e400',
  true,
  false,
  [],
  {},
  [null],
  { a: 1 },
  '__proto__',
  'constructor',
  '{',
  '${UNSET_VARIABLE}',
  '#/components/schemas/Missing',
  'a'.repeat(5000),
  ['GET'],
  { $ref: '#/' },
  { $ref: '#' },
  { type: 'object' },
  { type: ['string', 'null'] },
  '/x/{id}',
  'http://127.0.0.1:1',
  'enforce',
];
/** Keys an object may gain: schema keywords and prototype names. */
const KEYS = [
  '__proto__',
  'x-extra',
  'type',
  'items',
  'properties',
  'required',
  'allOf',
  'oneOf',
  '$ref',
  'enum',
  'additionalProperties',
  'minimum',
  'pattern',
] as const;
/** Characters appended to a string: template, path and pattern syntax. */
const SUFFIXES = ['{', '}', '/', '..', '\u0000', '*', '(', '['] as const;

type Path = readonly (string | number)[];
type Container = Record<string | number, unknown>;

function paths(value: unknown, at: Path, out: Path[]): Path[] {
  out.push(at);
  if (value !== null && typeof value === 'object') {
    const array = Array.isArray(value);
    for (const [k, child] of Object.entries(value)) paths(child, [...at, array ? Number(k) : k], out);
  }
  return out;
}

function get(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) v = (v as Container | undefined)?.[k];
  return v;
}

/**
 * One to three mutations of a copy of `root` (an object): a value replaced by an odd one or by
 * another part of the tree, a member or item removed, a key added, a string given a stray character.
 */
export function mutate<T>(root: T, random: () => number): T {
  const copy = structuredClone(root);
  const pick = <U>(list: readonly U[]): U => list[Math.floor(random() * list.length)]!;
  const rounds = 1 + Math.floor(random() * 3);
  for (let r = 0; r < rounds; r++) {
    const all = paths(copy, [], []).filter((p) => p.length > 0);
    if (all.length === 0) break;
    const path = pick(all);
    const parent = get(copy, path.slice(0, -1)) as Container;
    const key = path[path.length - 1]!;
    const current = parent[key];
    const op = random();
    if (op < 0.45) parent[key] = structuredClone(pick(ODD));
    else if (op < 0.65) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (op < 0.8) parent[key] = structuredClone(get(copy, pick(all)));
    else if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
      // defineProperty, so that '__proto__' becomes an own member as YAML would read it
      Object.defineProperty(current, pick(KEYS), {
        value: structuredClone(pick(ODD)),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else if (typeof current === 'string') parent[key] = current + pick(SUFFIXES);
  }
  return copy;
}
