/**
 * The record a held response's headers live in while the response filters may rewrite them.
 *
 * It must have no inherited members: an upstream may send a header named `__proto__`,
 * `constructor` or `toString`, and each must be an own key like any other, never the prototype
 * or a method. `Object.create(null)` gives that, but V8 keeps such an object as a hash table from
 * its first key: adding the headers, reading them and `writeHead`'s `for-in` over them cost about
 * 5,000 instructions per held response, a tenth of what holding adds. An instance of a constructor
 * whose prototype is itself a null-prototype object has no inherited members either, and V8 gives
 * it fast properties, shared by every record with the same headers in the same order.
 */

/** Header name to value(s), as node's `writeHead` takes them. */
export type HeaderRecord = Record<string, string | string[]>;

// a function, not a class: a class's prototype carries `constructor`, which every record would inherit
function EmptyHeaders(): void {}
EmptyHeaders.prototype = Object.create(null);

const NewRecord = EmptyHeaders as unknown as new () => HeaderRecord;

/** An empty header record: no inherited members (see above), fast properties. */
export function headerRecord(): HeaderRecord {
  return new NewRecord();
}

/**
 * The record as node's flat header list. `writeHead` checks each name of a record with
 * `Object.hasOwn` (about 900 instructions per response here); a list it reads as it is.
 */
export function headerList(h: HeaderRecord): (string | string[])[] {
  const out: (string | string[])[] = [];
  for (const k in h) out.push(k, h[k]!);
  return out;
}
