/**
 * One full garbage collection after start-up and after each reload, before the gateway serves.
 *
 * Why: V8 gives every object that starts as `{}` its hidden class by a transition from the empty
 * object's class, keyed by the first property added, and that class keeps at most 1,536 such
 * transitions. Loading a config creates thousands of short-lived objects whose first keys come from
 * the documents (YAML mappings, OpenAPI paths and schema properties, JSON Schema compilation), and
 * their dead transitions stay until a full GC clears them. Full GCs are rare in a gateway under load
 * (its garbage dies young), so without one the table stays full for minutes. Then every object built
 * key by key from `{}` gets a fresh, unshared class: undici's response-header parser alone then costs
 * about 8 % of the instructions of a proxied GET (callgrind, docs/benchmarks.md), and every inline
 * cache that sees such objects goes megamorphic. One collection while nothing is in flight clears the
 * dead transitions (and the parsed documents with them).
 *
 * Node exposes no collector call without `--expose-gc`; the flag is turned on just long enough to
 * take `gc` from a fresh context, then off again, so no later context gets it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (collect !== undefined) return collect;
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') {
    collect = exposed as () => void;
    return collect;
  }
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    collect = typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    collect = null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  return collect;
}

/** Run one full GC now; false where this Node offers no way to. A pause of tens of ms: not for the request path. */
export function settleHeap(): boolean {
  const gc = collector();
  if (gc === null) return false;
  gc();
  return true;
}
